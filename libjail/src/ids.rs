//! Users and groups from the system databases, resolved before fork so the
//! child and the preload only see numbers.

use std::ffi::CString;

use nix::unistd::{Gid, Group, User};

/// A user or group that cannot be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// No user of this name in the user database.
    #[error("user '{0}' does not exist: check the name or pass a numeric uid")]
    NoSuchUser(String),
    /// No group of this name in the group database.
    #[error("group '{0}' does not exist: check the name or pass a numeric gid")]
    NoSuchGroup(String),
    /// getpwnam_r/getgrnam_r failed (not "no such entry": an NSS error).
    #[error("looking up '{name}' failed: {errno}")]
    Lookup {
        /// The name looked up.
        name: String,
        /// The lookup's error.
        errno: nix::Error,
    },
    /// getgrouplist failed for the user (the user's name, the error).
    #[error("supplementary groups of user '{0}' cannot be listed: {1}")]
    GroupList(String, nix::Error),
    /// A numeric id does not fit in 32 bits.
    #[error("{kind} '{text}' is out of range")]
    OutOfRange {
        /// "uid" or "gid".
        kind: &'static str,
        /// The number as given.
        text: String,
    },
}

/// A user's uid and primary gid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIds {
    /// The user's uid.
    pub uid: u32,
    /// The primary gid from the user's passwd entry.
    pub gid: u32,
}

/// Look up a user by name (a number is a name here too, as for
/// `minijail_change_user`; [`parse_user`] takes numbers as uids).
pub fn user_by_name(name: &str) -> Result<UserIds, IdError> {
    match User::from_name(name) {
        Ok(Some(u)) => Ok(UserIds {
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
        }),
        Ok(None) => Err(IdError::NoSuchUser(name.to_owned())),
        Err(errno) => Err(IdError::Lookup {
            name: name.to_owned(),
            errno,
        }),
    }
}

/// Look up a group by name.
pub fn group_by_name(name: &str) -> Result<u32, IdError> {
    match Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        Ok(None) => Err(IdError::NoSuchGroup(name.to_owned())),
        Err(errno) => Err(IdError::Lookup {
            name: name.to_owned(),
            errno,
        }),
    }
}

/// The user's supplementary groups as `initgroups` would set them.
pub fn user_groups(name: &str, primary: u32) -> Result<Vec<u32>, IdError> {
    let cname = CString::new(name).map_err(|_| IdError::NoSuchUser(name.to_owned()))?;
    nix::unistd::getgrouplist(&cname, Gid::from_raw(primary))
        .map(|gids| gids.into_iter().map(Gid::as_raw).collect())
        .map_err(|e| IdError::GroupList(name.to_owned(), e))
}

/// A user as `-u` names one: the uid, and for a name, the name and its
/// primary gid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedUser {
    /// The uid, given or looked up.
    pub uid: u32,
    /// The name, when the user was given by name (it is what `-G` passes
    /// to getgrouplist).
    pub name: Option<String>,
    /// The user's primary gid, when given by name.
    pub gid: Option<u32>,
}

fn is_decimal(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Parse a user as `-u` does: a decimal uid as it is, else a name from the
/// user database.
pub fn parse_user(text: &str) -> Result<NamedUser, IdError> {
    if is_decimal(text) {
        let uid = text.parse().map_err(|_| IdError::OutOfRange {
            kind: "uid",
            text: text.to_owned(),
        })?;
        return Ok(NamedUser {
            uid,
            name: None,
            gid: None,
        });
    }
    let ids = user_by_name(text)?;
    Ok(NamedUser {
        uid: ids.uid,
        name: Some(text.to_owned()),
        gid: Some(ids.gid),
    })
}

/// Parse a group as `-g` does: a decimal gid as it is, else a name from
/// the group database.
pub fn parse_group(text: &str) -> Result<u32, IdError> {
    if is_decimal(text) {
        return text.parse().map_err(|_| IdError::OutOfRange {
            kind: "gid",
            text: text.to_owned(),
        });
    }
    group_by_name(text)
}
