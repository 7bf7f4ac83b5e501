//! Code generation: a [`Policy`] to a classic BPF program.
//!
//! The program is built as a DAG of 32-bit tests and returns, hash-consed so
//! that equal subprograms (return blocks, identical argument filters, shared
//! tails) exist once, then laid out backwards so every jump target is placed
//! before the jump that needs its distance.
//!
//! Shape of the program:
//! 1. the architecture check (a foreign `seccomp_data.arch` gets the kill
//!    action);
//! 2. a search tree over the syscall number: the number line is cut into
//!    intervals of equal outcome (listed syscalls, the gaps between them that
//!    get the default action, and on x86_64 the x32 range that gets the kill
//!    action); the tree is an optimal alphabetic tree for weights that blend
//!    a uniform weight per listed syscall with its `@frequency` share, so hot
//!    syscalls sit higher without pushing rare ones arbitrarily deep;
//! 3. per-syscall argument filters: 64-bit comparisons split into a test on
//!    the high word and one on the low word, `==` alternatives on the same
//!    argument grouped and searched as a small tree;
//! 4. loads are skipped where every jump into a test comes from a test on the
//!    same word; jumps beyond 255 instructions either jump to a fresh copy of
//!    a return or go through a `ja` trampoline.

use std::collections::HashMap;

use super::policy::{Action, Atom, Filter, Op, Policy};
use super::tables::{Arch, X32_SYSCALL_BIT};
use seccompiler::sock_filter;

/// The kernel's limit on a filter's length.
pub const BPF_MAXINSNS: usize = 4096;

/// Classic BPF opcodes used here.
pub mod op {
    /// `ld [k]` (word, absolute)
    pub const LD_W_ABS: u16 = 0x20;
    /// `ret #k`
    pub const RET_K: u16 = 0x06;
    /// `ja k`
    pub const JA: u16 = 0x05;
    /// `jeq #k`
    pub const JEQ_K: u16 = 0x15;
    /// `jgt #k`
    pub const JGT_K: u16 = 0x25;
    /// `jge #k`
    pub const JGE_K: u16 = 0x35;
    /// `jset #k`
    pub const JSET_K: u16 = 0x45;
}

/// Errors of code generation.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompileError {
    /// The program is longer than the kernel accepts.
    #[error(
        "the compiled program has {0} instructions, more than the kernel's limit of {BPF_MAXINSNS}: \
         split the policy, or merge argument filters"
    )]
    TooLarge(usize),
}

/// A 32-bit word of `seccomp_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Word {
    Nr,
    Arch,
    Lo(u8),
    Hi(u8),
}

impl Word {
    fn offset(self) -> u32 {
        match self {
            Word::Nr => 0,
            Word::Arch => 4,
            Word::Lo(i) => 16 + 8 * u32::from(i),
            Word::Hi(i) => 20 + 8 * u32::from(i),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Jop {
    Eq,
    Gt,
    Ge,
    Set,
}

impl Jop {
    fn code(self) -> u16 {
        match self {
            Jop::Eq => op::JEQ_K,
            Jop::Gt => op::JGT_K,
            Jop::Ge => op::JGE_K,
            Jop::Set => op::JSET_K,
        }
    }
}

type Id = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Ret(u32),
    Test {
        word: Word,
        op: Jop,
        k: u32,
        t: Id,
        f: Id,
    },
}

#[derive(Default)]
struct Dag {
    nodes: Vec<Node>,
    index: HashMap<Node, Id>,
}

impl Dag {
    fn intern(&mut self, n: Node) -> Id {
        if let Some(&id) = self.index.get(&n) {
            return id;
        }
        self.nodes.push(n);
        self.index.insert(n, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn ret(&mut self, action: Action) -> Id {
        self.intern(Node::Ret(action.to_ret()))
    }

    fn test(&mut self, word: Word, op: Jop, k: u32, t: Id, f: Id) -> Id {
        if t == f {
            return t;
        }
        match (op, k) {
            (Jop::Set, 0) => return f,
            (Jop::Ge, 0) => return t,
            (Jop::Gt, u32::MAX) => return f,
            _ => {}
        }
        self.intern(Node::Test { word, op, k, t, f })
    }

    /// `atom ? t : f`
    fn atom(&mut self, a: Atom, wide: bool, t: Id, f: Id) -> Id {
        let (hi, lo) = ((a.value >> 32) as u32, a.value as u32);
        let (wl, wh) = (Word::Lo(a.arg), Word::Hi(a.arg));
        match a.op {
            Op::Eq => {
                let l = self.test(wl, Jop::Eq, lo, t, f);
                if wide {
                    self.test(wh, Jop::Eq, hi, l, f)
                } else {
                    l
                }
            }
            Op::Ne => self.atom(Atom { op: Op::Eq, ..a }, wide, f, t),
            Op::Gt | Op::Ge => {
                let jop = if a.op == Op::Gt { Jop::Gt } else { Jop::Ge };
                let l = self.test(wl, jop, lo, t, f);
                if !wide {
                    l
                } else if hi == 0 {
                    self.test(wh, Jop::Gt, 0, t, l)
                } else {
                    let eq = self.test(wh, Jop::Eq, hi, l, f);
                    self.test(wh, Jop::Gt, hi, t, eq)
                }
            }
            Op::Lt => self.atom(Atom { op: Op::Ge, ..a }, wide, f, t),
            Op::Le => self.atom(Atom { op: Op::Gt, ..a }, wide, f, t),
            Op::AnyBits => {
                let l = self.test(wl, Jop::Set, lo, t, f);
                if wide {
                    self.test(wh, Jop::Set, hi, t, l)
                } else {
                    l
                }
            }
            Op::In => {
                let m = !a.value;
                let (mh, ml) = ((m >> 32) as u32, m as u32);
                let l = self.test(wl, Jop::Set, ml, f, t);
                if wide {
                    self.test(wh, Jop::Set, mh, f, l)
                } else {
                    l
                }
            }
        }
    }

    /// `lo(arg) in sorted values ? t : f`
    fn lo_set(&mut self, arg: u8, vals: &[u32], t: Id, f: Id) -> Id {
        if vals.len() <= 3 {
            let mut cur = f;
            for &v in vals.iter().rev() {
                cur = self.test(Word::Lo(arg), Jop::Eq, v, t, cur);
            }
            return cur;
        }
        let mid = vals.len() / 2;
        let right = self.lo_set(arg, &vals[mid..], t, f);
        let left = self.lo_set(arg, &vals[..mid], t, f);
        self.test(Word::Lo(arg), Jop::Ge, vals[mid], right, left)
    }

    /// `dnf ? t : f`
    fn expr(&mut self, dnf: &[Vec<Atom>], wide: bool, t: Id, f: Id) -> Id {
        // Single-atom `argN == c` clauses on the same argument are searched as
        // a set; the order of clauses in a disjunction does not matter.
        let mut sets: Vec<(u8, Vec<u64>)> = Vec::new();
        let mut rest: Vec<&Vec<Atom>> = Vec::new();
        for clause in dnf {
            match clause.as_slice() {
                [a] if a.op == Op::Eq => match sets.iter_mut().find(|(arg, _)| *arg == a.arg) {
                    Some((_, v)) => v.push(a.value),
                    None => sets.push((a.arg, vec![a.value])),
                },
                _ => rest.push(clause),
            }
        }
        let mut cur = f;
        for clause in rest.iter().rev() {
            let mut c = t;
            for a in clause.iter().rev() {
                c = self.atom(*a, wide, c, cur);
            }
            cur = c;
        }
        for (arg, mut vals) in sets.into_iter().rev() {
            vals.sort_unstable();
            vals.dedup();
            // Group by high word.
            let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
            for v in vals {
                let (hi, lo) = ((v >> 32) as u32, v as u32);
                match groups.last_mut() {
                    Some((h, l)) if *h == hi => l.push(lo),
                    _ => groups.push((hi, vec![lo])),
                }
            }
            for (hi, los) in groups.into_iter().rev() {
                let inner = self.lo_set(arg, &los, t, cur);
                cur = if wide {
                    self.test(Word::Hi(arg), Jop::Eq, hi, inner, cur)
                } else {
                    inner
                };
            }
        }
        cur
    }

    /// The filter list of one syscall.
    fn filters(&mut self, filters: &[Filter], wide: bool) -> Id {
        let (last, init) = filters
            .split_last()
            .expect("rules end with an unconditional filter");
        let mut next = self.ret(last.action);
        for filt in init.iter().rev() {
            let t = self.ret(filt.action);
            next = match &filt.expr {
                Some(dnf) => self.expr(dnf, wide, t, next),
                None => t,
            };
        }
        next
    }
}

/// An interval of syscall numbers `[start, next start)` with one outcome.
struct Interval {
    start: u32,
    leaf: Id,
    weight: f64,
}

fn intervals(dag: &mut Dag, policy: &Policy) -> Vec<Interval> {
    let wide = policy.arch.bits() == 64;
    let mut rules: Vec<_> = policy
        .rules
        .iter()
        .filter(|r| (0..i64::from(X32_SYSCALL_BIT)).contains(&r.nr))
        .collect();
    rules.sort_by_key(|r| r.nr);
    let n = rules.len().max(1) as f64;
    let total: f64 = rules
        .iter()
        .map(|r| r.frequency as f64)
        .sum::<f64>()
        .max(1.0);
    let default = dag.ret(policy.default_action);
    let mut out: Vec<Interval> = Vec::new();
    let push = |out: &mut Vec<Interval>, start: u32, leaf: Id, weight: f64| match out.last_mut() {
        Some(last) if last.leaf == leaf => last.weight += weight,
        _ => out.push(Interval {
            start,
            leaf,
            weight,
        }),
    };
    let mut cursor: u64 = 0;
    for r in rules {
        let nr = r.nr as u64;
        if nr > cursor {
            push(&mut out, cursor as u32, default, 0.0);
        }
        let leaf = dag.filters(&r.filters, wide);
        // Half the weight is uniform over listed syscalls, half follows the
        // observed frequencies.
        let w = 1.0 / n + r.frequency as f64 / total;
        push(&mut out, nr as u32, leaf, w);
        cursor = nr + 1;
    }
    let top = if policy.arch == Arch::X86_64 {
        u64::from(X32_SYSCALL_BIT)
    } else {
        1 << 32
    };
    if cursor < top {
        push(&mut out, cursor as u32, default, 0.0);
    }
    if top < 1 << 32 {
        let bad = dag.ret(policy.bad_arch_action);
        push(&mut out, top as u32, bad, 0.0);
    }
    out
}

/// Build an optimal alphabetic search tree over `iv` (Knuth's O(n²)
/// dynamic program), where a run `a, x, a` with `x` a single number may also
/// be decided by one `jeq`.
fn search_tree(dag: &mut Dag, iv: &[Interval]) -> Id {
    let m = iv.len();
    if m == 1 {
        return iv[0].leaf;
    }
    let mut prefix = vec![0.0; m + 1];
    for (i, x) in iv.iter().enumerate() {
        prefix[i + 1] = prefix[i] + x.weight;
    }
    let w = |i: usize, j: usize| prefix[j + 1] - prefix[i];
    let single = |i: usize| i + 1 < m && iv[i + 1].start == iv[i].start.wrapping_add(1);
    // cost[i][j], root[i][j] for i <= j, flattened; root == usize::MAX marks
    // the `jeq` shape.
    let idx = |i: usize, j: usize| i * m + j;
    let mut cost = vec![0.0f64; m * m];
    let mut root = vec![0usize; m * m];
    for i in 0..m {
        root[idx(i, i)] = i;
    }
    for len in 2..=m {
        for i in 0..=m - len {
            let j = i + len - 1;
            let (mut lo, mut hi) = if len == 2 {
                (j, j)
            } else {
                let a = root[idx(i, j - 1)];
                let b = root[idx(i + 1, j)];
                let (a, b) = if a == usize::MAX || b == usize::MAX {
                    (i + 1, j)
                } else {
                    (a.min(b), a.max(b))
                };
                (a.max(i + 1), b.min(j))
            };
            if lo > hi {
                lo = i + 1;
                hi = j;
            }
            let mut best = f64::INFINITY;
            let mut best_k = lo;
            for k in lo..=hi {
                let c = cost[idx(i, k - 1)] + cost[idx(k, j)];
                if c < best {
                    best = c;
                    best_k = k;
                }
            }
            let mut total = best + w(i, j);
            let mut r = best_k;
            if len == 3 && iv[i].leaf == iv[j].leaf && single(i + 1) {
                let c = w(i, j);
                if c <= total {
                    total = c;
                    r = usize::MAX;
                }
            }
            cost[idx(i, j)] = total;
            root[idx(i, j)] = r;
        }
    }
    // Build bottom-up from an explicit stack to keep recursion shallow.
    fn build(dag: &mut Dag, iv: &[Interval], root: &[usize], m: usize, i: usize, j: usize) -> Id {
        if i == j {
            return iv[i].leaf;
        }
        let r = root[i * m + j];
        if r == usize::MAX {
            let mid = &iv[i + 1];
            return dag.test(Word::Nr, Jop::Eq, mid.start, mid.leaf, iv[i].leaf);
        }
        let right = build(dag, iv, root, m, r, j);
        let left = build(dag, iv, root, m, i, r - 1);
        dag.test(Word::Nr, Jop::Ge, iv[r].start, right, left)
    }
    build(dag, iv, &root, m, 0, m - 1)
}

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The nodes reachable from `root` in post-order (children before
/// parents), iteratively; a test's `f` comes right before the test.
fn post_order(dag: &Dag, root: Id) -> Vec<Id> {
    let n = dag.nodes.len();
    let mut order = Vec::with_capacity(n);
    let mut state = vec![0u8; n]; // 0 new, 1 open, 2 done
    let mut stack = vec![root];
    while let Some(&id) = stack.last() {
        match state[id] {
            0 => {
                state[id] = 1;
                if let Node::Test { t, f, .. } = dag.nodes[id] {
                    // `f` is visited last, so it is laid out right after
                    // its parent.
                    for c in [f, t] {
                        if state[c] == 0 {
                            stack.push(c);
                        }
                    }
                }
            }
            1 => {
                state[id] = 2;
                order.push(id);
                stack.pop();
            }
            _ => {
                stack.pop();
            }
        }
    }
    order
}

/// Which word A holds on entry to each node, if every jump into it comes
/// from a test of the same word (`Some(None)`: not known; `None`: not reached).
fn entry_words(dag: &Dag, root: Id, order: &[Id]) -> Vec<Option<Option<Word>>> {
    let mut entry: Vec<Option<Option<Word>>> = vec![None; dag.nodes.len()];
    entry[root] = Some(None);
    for &id in order.iter().rev() {
        if let Node::Test { word, t, f, .. } = dag.nodes[id] {
            for c in [t, f] {
                entry[c] = match entry[c] {
                    None => Some(Some(word)),
                    Some(Some(w)) if w == word => Some(Some(w)),
                    Some(_) => Some(None),
                };
            }
        }
    }
    entry
}

/// Lay the DAG out backwards from `root`.
fn emit(dag: &Dag, root: Id) -> Vec<sock_filter> {
    let n = dag.nodes.len();
    let order = post_order(dag, root);
    let entry = entry_words(dag, root, &order);
    // `rev` holds the program reversed; `pos[id]` is the distance of the
    // node's first instruction from the end.
    let mut rev: Vec<sock_filter> = Vec::new();
    let mut pos = vec![0usize; n];
    let mut latest_ret: HashMap<u32, usize> = HashMap::new();
    for &id in &order {
        match dag.nodes[id] {
            Node::Ret(v) => {
                rev.push(insn(op::RET_K, 0, 0, v));
                pos[id] = rev.len();
                latest_ret.insert(v, rev.len());
            }
            Node::Test {
                word,
                op: jop,
                k,
                t,
                f,
            } => {
                let mut target = |rev: &mut Vec<sock_filter>, c: Id| -> usize {
                    if let Node::Ret(v) = dag.nodes[c] {
                        let p = latest_ret.get(&v).copied().unwrap_or(pos[c]);
                        // Allow for up to two trampolines after the jump.
                        if rev.len() + 2 - p > 255 {
                            rev.push(insn(op::RET_K, 0, 0, v));
                            latest_ret.insert(v, rev.len());
                            return rev.len();
                        }
                        return p;
                    }
                    pos[c]
                };
                let pf = target(&mut rev, f);
                let pt = target(&mut rev, t);
                let l = rev.len();
                let near = |p: usize, extra: usize| l + extra - p <= 255;
                if near(pt, 0) && near(pf, 0) {
                    rev.push(insn(jop.code(), (l - pt) as u8, (l - pf) as u8, k));
                } else if near(pf, 1) {
                    rev.push(insn(op::JA, 0, 0, (l - pt) as u32));
                    rev.push(insn(jop.code(), 0, (l + 1 - pf) as u8, k));
                } else if near(pt, 1) {
                    rev.push(insn(op::JA, 0, 0, (l - pf) as u32));
                    rev.push(insn(jop.code(), (l + 1 - pt) as u8, 0, k));
                } else {
                    rev.push(insn(op::JA, 0, 0, (l - pf) as u32));
                    rev.push(insn(op::JA, 0, 0, (l + 1 - pt) as u32));
                    rev.push(insn(jop.code(), 0, 1, k));
                }
                if entry[id] != Some(Some(word)) {
                    rev.push(insn(op::LD_W_ABS, 0, 0, word.offset()));
                }
                pos[id] = rev.len();
            }
        }
    }
    rev.reverse();
    rev
}

/// Compile a parsed policy.
pub fn compile(policy: &Policy) -> Result<Vec<sock_filter>, CompileError> {
    let mut dag = Dag::default();
    let iv = intervals(&mut dag, policy);
    let tree = search_tree(&mut dag, &iv);
    let bad = dag.ret(policy.bad_arch_action);
    let root = dag.test(Word::Arch, Jop::Eq, policy.arch.audit_arch(), tree, bad);
    let prog = emit(&dag, root);
    if prog.len() > BPF_MAXINSNS {
        return Err(CompileError::TooLarge(prog.len()));
    }
    Ok(prog)
}
