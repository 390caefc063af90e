//! Account changes made by an admin from the console, each recorded in the audit log
//! under the admin's login (the command line records them as `cli`).

use super::{hash_password_async, Accounts, NewUser, Role};
use crate::storage::{audit, users, AuditEntry, StorageError};

/// Why an account change was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("{0}")]
    Invalid(String),
    #[error("ログインID {0} のアカウントはありません。")]
    NoSuchAccount(String),
    #[error("自分自身のアカウントは無効にできません。")]
    OwnAccount,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The console's Japanese for an account rule broken.
fn japanese(e: super::AccountError) -> ManageError {
    use super::AccountError as E;
    ManageError::Invalid(match e {
        E::InvalidLogin(_) => format!(
            "ログインIDは半角の英数字と . _ - で{}文字以内にしてください。",
            super::MAX_LOGIN_CHARS
        ),
        E::InvalidDisplayName(_) => format!(
            "表示名を{}文字以内で入力してください。",
            super::MAX_DISPLAY_NAME_CHARS
        ),
        E::WeakPassword(_) => format!(
            "パスワードは{}文字以上、{}文字以内にしてください。",
            super::MIN_PASSWORD_CHARS,
            super::MAX_PASSWORD_CHARS
        ),
        E::UnknownRole(_) => "権限は オペレーター・管理者・閲覧者 のどれかです。".into(),
        E::Hashing(e) => return ManageError::Internal(anyhow::anyhow!("hashing: {e}")),
    })
}

impl From<StorageError> for ManageError {
    fn from(e: StorageError) -> Self {
        ManageError::Internal(e.into())
    }
}

impl Accounts {
    /// Creates an account (the password is checked against the policy and hashed).
    pub async fn add(
        &self,
        by: &str,
        login: &str,
        display_name: &str,
        role: Role,
        password: &str,
    ) -> Result<(), ManageError> {
        super::validate_login(login).map_err(japanese)?;
        super::validate_display_name(display_name.trim()).map_err(japanese)?;
        let password = hash_password_async(password.to_owned())
            .await
            .map_err(japanese)?;
        if self.store.user(login).await?.is_some() {
            return Err(ManageError::Invalid(format!(
                "ログインID {login} はすでに使われています。"
            )));
        }
        let user = NewUser {
            login: login.to_owned(),
            display_name: display_name.trim().to_owned(),
            role,
            password,
        };
        self.create(by, &user, role.as_str()).await
    }

    /// Stores an account whose password is already hashed, with its audit row (`detail`).
    pub async fn create(&self, by: &str, user: &NewUser, detail: &str) -> Result<(), ManageError> {
        let mut tx = self.store.begin().await?;
        users::create(&mut tx, user)
            .await
            .map_err(|e| ManageError::Invalid(e.to_string()))?;
        let entry = AuditEntry::new(by, "user.add", "user", &user.login).detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password; the account's sessions end.
    pub async fn reset_password(
        &self,
        by: &str,
        login: &str,
        password: &str,
    ) -> Result<(), ManageError> {
        let password = hash_password_async(password.to_owned())
            .await
            .map_err(japanese)?;
        self.set_password(by, login, &password).await
    }

    /// Sets an already hashed password; the account's sessions end.
    pub async fn set_password(
        &self,
        by: &str,
        login: &str,
        password: &super::HashedPassword,
    ) -> Result<(), ManageError> {
        let mut tx = self.store.begin().await?;
        if !users::set_password(&mut tx, login, password).await? {
            return Err(ManageError::NoSuchAccount(login.to_owned()));
        }
        audit::append(&mut tx, &AuditEntry::new(by, "user.passwd", "user", login)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or enables an account; a disabled account's sessions end. Admins cannot
    /// disable themselves (someone must be left to undo it).
    pub async fn set_disabled(
        &self,
        by: &str,
        login: &str,
        disabled: bool,
    ) -> Result<(), ManageError> {
        if disabled && by == login {
            return Err(ManageError::OwnAccount);
        }
        let mut tx = self.store.begin().await?;
        if !users::set_disabled(&mut tx, login, disabled).await? {
            return Err(ManageError::NoSuchAccount(login.to_owned()));
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::append(&mut tx, &AuditEntry::new(by, action, "user", login)).await?;
        tx.commit().await?;
        Ok(())
    }
}
