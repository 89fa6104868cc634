//! Users: listing, creating and deleting them (admins only) and changing passwords (admins for
//! anyone, users for themselves with their current password).
//!
//! Deleting a user deletes its tokens and sessions at once, so it can do nothing more; its jobs
//! are kept. A job names its owner rather than pointing at the user row: sent faxes stay in
//! the queue and history for admins, are still sent, reported and cleaned up by the usual
//! rules. A user made later with the same name owns them again, since they carry that name.

use ferrofax_api::{NewUser, PasswordChange, UserCreated, UserView};

use super::Accounts;
use super::tokens::check_name_and_role;
use super::{AuthError, Caller, passwords};
use crate::clock::timestamp;
use crate::store::{StoreError, UserDeletion};

fn admin_only(caller: &Caller) -> Result<(), AuthError> {
    if caller.admin { Ok(()) } else { Err(AuthError::Forbidden("only an administrator may manage users".into())) }
}

impl Accounts {
    /// Every user, by name (admins).
    pub async fn list_users(&self, caller: &Caller) -> Result<Vec<UserView>, AuthError> {
        admin_only(caller)?;
        let users = self.store.user_summaries().await?;
        Ok(users
            .into_iter()
            .map(|u| UserView {
                name: u.user.name,
                role: u.user.role,
                created_at: timestamp(u.created_at),
                has_password: u.has_password,
                tokens: u.tokens,
            })
            .collect())
    }

    /// Makes a user (admins), with a password or, without one, for tokens only.
    pub async fn create_user(&self, caller: &Caller, new: &NewUser) -> Result<UserCreated, AuthError> {
        admin_only(caller)?;
        check_name_and_role(&new.name, &new.role)?;
        if let Some(p) = &new.password {
            passwords::check_rules(&new.name, p)?;
        }
        if self.store.user_by_name(&new.name).await?.is_some() {
            return Err(AuthError::UserExists(new.name.clone()));
        }
        let hash = match &new.password {
            Some(p) => Some(passwords::hash(p).await?),
            None => None,
        };
        match self.store.create_user(&new.name, &new.role, hash.as_deref(), self.clock.now()).await {
            Ok(_) => {}
            Err(StoreError::Exists) => return Err(AuthError::UserExists(new.name.clone())),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(by = %caller.user, user = %new.name, role = %new.role, "user created");
        Ok(UserCreated { name: new.name.clone(), role: new.role.clone() })
    }

    /// Deletes a user with its tokens and sessions (admins); not oneself, not the last admin.
    /// Its jobs are kept (see the module's documentation).
    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<(), AuthError> {
        admin_only(caller)?;
        let user = self.store.user_by_name(name).await?.ok_or_else(|| AuthError::NoSuchUser(name.into()))?;
        if caller.user == name {
            let admins = self.store.list_users().await?.iter().filter(|u| u.role == "admin").count();
            return Err(if user.role == "admin" && admins <= 1 {
                AuthError::LastAdmin(name.into())
            } else {
                AuthError::DeleteSelf
            });
        }
        match self.store.delete_user(user.id).await? {
            UserDeletion::Deleted => {
                tracing::info!(by = %caller.user, user = %name, "user deleted");
                Ok(())
            }
            UserDeletion::LastAdmin => Err(AuthError::LastAdmin(name.into())),
            UserDeletion::NotFound => Err(AuthError::NoSuchUser(name.into())),
        }
    }

    /// Sets a user's password: admins anyone's; users only their own, giving the current one
    /// (checked, and counted against sign-in failures when wrong). The user's other sessions end;
    /// `current_session` (the hash of the session making the change, if any) stays when the
    /// change is to the caller's own password. A `current_password` sent by an admin for
    /// another user is ignored.
    pub async fn change_password(
        &self,
        caller: &Caller,
        name: &str,
        change: &PasswordChange,
        current_session: Option<&str>,
    ) -> Result<(), AuthError> {
        let own = caller.user == name;
        if !caller.admin && !own {
            return Err(AuthError::Forbidden("you may change only your own password".into()));
        }
        let user = self.store.user_by_name(name).await?.ok_or_else(|| AuthError::NoSuchUser(name.into()))?;
        passwords::check_rules(name, &change.password)?;
        if own && (!caller.admin || change.current_password.is_some()) {
            let current = change.current_password.as_deref().ok_or(AuthError::CurrentPasswordNeeded)?;
            if self.check_password(name, current).await?.is_none() {
                return Err(AuthError::WrongCurrentPassword);
            }
        }
        let hash = passwords::hash(&change.password).await?;
        let keep = if own { current_session } else { None };
        self.store.set_password(user.id, Some(&hash), keep).await?;
        tracing::info!(by = %caller.user, user = %name, "password changed; other sessions ended");
        Ok(())
    }
}
