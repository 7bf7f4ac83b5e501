//! Users and groups from the system databases, resolved before fork so the
//! child and the preload only see numbers.

use std::ffi::CString;

use nix::unistd::{Gid, Group, User};

/// A user or group that cannot be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("user '{0}' does not exist: check the name or pass a numeric uid")]
    NoSuchUser(String),
    #[error("group '{0}' does not exist: check the name or pass a numeric gid")]
    NoSuchGroup(String),
    #[error("looking up '{name}' failed: {errno}")]
    Lookup { name: String, errno: nix::Error },
    #[error("supplementary groups of user '{0}' cannot be listed: {1}")]
    GroupList(String, nix::Error),
}

/// A user's uid and primary gid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    pub gid: u32,
}

/// Look up a user by name; a decimal number is taken as a uid as it is.
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

/// Parse a user: a number, or a name from the user database.
pub fn parse_user(text: &str) -> Result<UserIds, IdError> {
    match text.parse::<u32>() {
        Ok(uid) => Ok(UserIds { uid, gid: u32::MAX }),
        Err(_) => user_by_name(text),
    }
}

/// Parse a group: a number, or a name from the group database.
pub fn parse_group(text: &str) -> Result<u32, IdError> {
    match text.parse::<u32>() {
        Ok(gid) => Ok(gid),
        Err(_) => group_by_name(text),
    }
}
