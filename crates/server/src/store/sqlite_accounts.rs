//! The SQLite queries of the accounts part of the store: users, tokens and sessions. Deleting a
//! user relies on the foreign keys (`ON DELETE CASCADE`) to delete its tokens and sessions.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::accounts::*;
use super::sqlite::SqliteStore;
use super::{Result, StoreError};
use crate::clock::Millis;

fn user_from(r: &SqliteRow) -> Result<UserRow> {
    Ok(UserRow { id: r.try_get("id")?, name: r.try_get("name")?, role: r.try_get("role")? })
}

/// A unique-key violation as `Exists`, other errors as they are.
fn exists_or(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Exists,
        _ => StoreError::Db(e),
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, name: &str, role: &str, password_hash: Option<&str>, now: Millis) -> Result<i64> {
        sqlx::query_scalar("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(name)
            .bind(role)
            .bind(password_hash)
            .bind(now)
            .fetch_one(&self.write)
            .await
            .map_err(exists_or)
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        let r = sqlx::query("SELECT id, name, role FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(user_from).transpose()
    }

    async fn user_credentials(&self, name: &str) -> Result<Option<(UserRow, Option<String>)>> {
        let r = sqlx::query("SELECT id, name, role, password_hash FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        r.map(|r| Ok((user_from(&r)?, r.try_get("password_hash")?))).transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT id, name, role FROM users ORDER BY id").fetch_all(&self.read).await?;
        rows.iter().map(user_from).collect()
    }

    async fn user_summaries(&self) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.password_hash IS NOT NULL AS has_password, \
             (SELECT count(*) FROM tokens t WHERE t.user_id = u.id) AS tokens FROM users u ORDER BY u.name",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UserSummary {
                    user: user_from(r)?,
                    created_at: r.try_get("created_at")?,
                    has_password: r.try_get("has_password")?,
                    tokens: r.try_get::<i64, _>("tokens")? as u32,
                })
            })
            .collect()
    }

    async fn delete_user(&self, id: i64) -> Result<UserDeletion> {
        // One statement, so that two admins deleting each other cannot leave no admin.
        let done = sqlx::query(
            "DELETE FROM users WHERE id = ? AND (role <> 'admin' OR (SELECT count(*) FROM users WHERE role = 'admin') > 1)",
        )
        .bind(id)
        .execute(&self.write)
        .await?;
        self.admin_guarded(done.rows_affected(), id).await
    }

    async fn set_role(&self, id: i64, role: &str) -> Result<UserDeletion> {
        // One statement, so that two admins demoting each other cannot leave no admin.
        let done = sqlx::query(
            "UPDATE users SET role = ? WHERE id = ? AND (? = 'admin' OR role <> 'admin' \
             OR (SELECT count(*) FROM users WHERE role = 'admin') > 1)",
        )
        .bind(role)
        .bind(id)
        .bind(role)
        .execute(&self.write)
        .await?;
        self.admin_guarded(done.rows_affected(), id).await
    }

    async fn set_password(&self, user_id: i64, hash: Option<&str>, keep: Option<&str>) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND hash IS NOT ?")
            .bind(user_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_token(&self, user_id: i64, hash: &str, label: &str, now: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar("INSERT INTO tokens (hash, user_id, label, created_at) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(hash)
            .bind(user_id)
            .bind(label)
            .bind(now)
            .fetch_one(&self.write)
            .await?)
    }

    async fn user_by_token(&self, hash: &str) -> Result<Option<UserRow>> {
        let r =
            sqlx::query("SELECT u.id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?")
                .bind(hash)
                .fetch_optional(&self.read)
                .await?;
        r.as_ref().map(user_from).transpose()
    }

    async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRow>> {
        let rows = sqlx::query("SELECT id, label, created_at FROM tokens WHERE user_id = ? ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow { id: r.try_get("id")?, label: r.try_get("label")?, created_at: r.try_get("created_at")? })
            })
            .collect()
    }

    async fn delete_token(&self, user_id: i64, id: i64) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        // Sessions signed in with the token end with it.
        sqlx::query("DELETE FROM sessions WHERE token_hash IN (SELECT hash FROM tokens WHERE id = ? AND user_id = ?)")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM tokens WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_session(&self, s: &SessionRow) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(s.created_at).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (hash, user_id, csrf_token, created_at, expires_at, token_hash) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.token_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, hash: &str) -> Result<Option<(SessionRow, UserRow)>> {
        let r = sqlx::query(
            "SELECT s.hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.token_hash, u.id, u.name, u.role \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.read)
        .await?;
        r.map(|r| {
            let session = SessionRow {
                hash: r.try_get("hash")?,
                user_id: r.try_get("user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                token_hash: r.try_get("token_hash")?,
            };
            Ok((session, user_from(&r)?))
        })
        .transpose()
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash = ?").bind(hash).execute(&self.write).await?;
        Ok(())
    }
}

impl SqliteStore {
    /// What a change guarded by "an admin stays" did: done when it touched the row, else
    /// refused for the last admin, or the user is gone.
    async fn admin_guarded(&self, rows_affected: u64, id: i64) -> Result<UserDeletion> {
        if rows_affected == 1 {
            return Ok(UserDeletion::Deleted);
        }
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)")
            .bind(id)
            .fetch_one(&self.write)
            .await?;
        Ok(if exists { UserDeletion::LastAdmin } else { UserDeletion::NotFound })
    }
}
