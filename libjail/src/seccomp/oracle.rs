//! The same policy expressed as a seccompiler filter, where seccompiler can
//! express it: one "match" action for every listed filter, one "mismatch"
//! action for the rest. seccompiler then compiles its own (linear) program,
//! which serves as an independent oracle in tests and as the baseline in the
//! benchmark.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use super::policy::{Action, Atom, Op, Policy};
use super::tables::Arch;

/// Why a policy has no seccompiler equivalent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OracleError {
    /// seccompiler has no such architecture.
    #[error("seccompiler does not support {0}")]
    Arch(Arch),
    /// More than one non-default action.
    #[error("seccompiler filters have a single match action; this policy uses {0} and {1}")]
    Actions(Action, Action),
    /// An action seccompiler lacks.
    #[error("seccompiler has no {0} action")]
    Action(Action),
    /// A filter list whose order matters.
    #[error("the filters of `{0}` depend on their order")]
    Ordered(String),
    /// Too many rules after expanding multi-bit `&` tests.
    #[error("expanding multi-bit `&` tests of `{0}` gives too many rules")]
    TooManyRules(String),
    /// seccompiler refused.
    #[error("seccompiler: {0}")]
    Seccompiler(String),
}

fn to_seccompiler(a: Action) -> Result<SeccompAction, OracleError> {
    Ok(match a {
        Action::Allow => SeccompAction::Allow,
        Action::Errno(e) => SeccompAction::Errno(e.into()),
        Action::KillThread => SeccompAction::KillThread,
        Action::KillProcess => SeccompAction::KillProcess,
        Action::Trap => SeccompAction::Trap,
        Action::Trace(d) => SeccompAction::Trace(d.into()),
        Action::Log => SeccompAction::Log,
        Action::UserNotify => return Err(OracleError::Action(a)),
    })
}

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, OracleError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
        .map_err(|e| OracleError::Seccompiler(e.to_string()))
}

/// The conditions of one clause, as alternatives (a multi-bit `&` test
/// becomes one alternative per bit). `None`: the clause never holds.
fn clause_rules(clause: &[Atom]) -> Result<Option<Vec<Vec<SeccompCondition>>>, OracleError> {
    let mut alts: Vec<Vec<SeccompCondition>> = vec![Vec::new()];
    for a in clause {
        let options: Vec<SeccompCondition> = match a.op {
            Op::Eq => vec![cond(a.arg, SeccompCmpOp::Eq, a.value)?],
            Op::Ne => vec![cond(a.arg, SeccompCmpOp::Ne, a.value)?],
            Op::Lt => vec![cond(a.arg, SeccompCmpOp::Lt, a.value)?],
            Op::Le => vec![cond(a.arg, SeccompCmpOp::Le, a.value)?],
            Op::Gt => vec![cond(a.arg, SeccompCmpOp::Gt, a.value)?],
            Op::Ge => vec![cond(a.arg, SeccompCmpOp::Ge, a.value)?],
            Op::In => vec![cond(a.arg, SeccompCmpOp::MaskedEq(!a.value), 0)?],
            Op::AnyBits => (0..64)
                .map(|b| 1u64 << b)
                .filter(|bit| a.value & bit != 0)
                .map(|bit| cond(a.arg, SeccompCmpOp::MaskedEq(bit), bit))
                .collect::<Result<_, _>>()?,
        };
        if options.is_empty() {
            return Ok(None);
        }
        let mut next = Vec::new();
        for alt in &alts {
            for o in &options {
                let mut v = alt.clone();
                v.push(o.clone());
                next.push(v);
            }
        }
        alts = next;
        if alts.len() > 256 {
            return Err(OracleError::TooManyRules(String::new()));
        }
    }
    Ok(Some(alts))
}

/// The seccompiler filter for `policy`, if it can express it.
pub fn filter(policy: &Policy) -> Result<SeccompFilter, OracleError> {
    let target = match policy.arch {
        Arch::X86_64 => TargetArch::x86_64,
        Arch::Aarch64 => TargetArch::aarch64,
        Arch::I386 => return Err(OracleError::Arch(policy.arch)),
    };
    let mismatch = policy.default_action;
    let mut matched: Option<Action> = None;
    let mut note = |a: Action| -> Result<(), OracleError> {
        if a == mismatch {
            return Ok(());
        }
        match matched {
            None => matched = Some(a),
            Some(m) if m == a => {}
            Some(m) => return Err(OracleError::Actions(m, a)),
        }
        Ok(())
    };
    for r in &policy.rules {
        for f in &r.filters {
            note(f.action)?;
        }
    }
    let Some(matched) = matched else {
        // Nothing but the default: one never-matching rule keeps seccompiler
        // happy.
        return Err(OracleError::Seccompiler(
            "the policy only has its default action".into(),
        ));
    };
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for r in &policy.rules {
        let (last, init) = r.filters.split_last().expect("non-empty");
        if init.iter().any(|f| f.action != matched) {
            return Err(OracleError::Ordered(r.name.clone()));
        }
        if last.action == matched {
            rules.insert(r.nr, Vec::new());
            continue;
        }
        let mut list = Vec::new();
        for f in init {
            for clause in f.expr.as_deref().unwrap_or_default() {
                let alts = clause_rules(clause).map_err(|e| match e {
                    OracleError::TooManyRules(_) => OracleError::TooManyRules(r.name.clone()),
                    e => e,
                })?;
                for conds in alts.into_iter().flatten() {
                    list.push(
                        SeccompRule::new(conds)
                            .map_err(|e| OracleError::Seccompiler(e.to_string()))?,
                    );
                }
            }
        }
        if !list.is_empty() {
            rules.insert(r.nr, list);
        }
    }
    SeccompFilter::new(
        rules,
        to_seccompiler(mismatch)?,
        to_seccompiler(matched)?,
        target,
    )
    .map_err(|e| OracleError::Seccompiler(e.to_string()))
}

/// seccompiler's program for `policy`, if it can express it.
pub fn program(policy: &Policy) -> Result<BpfProgram, OracleError> {
    BpfProgram::try_from(filter(policy)?).map_err(|e| OracleError::Seccompiler(e.to_string()))
}
