//! The ledger of sent mail: at most one mail per standard message, as a port ([`MailLedger`])
//! with its DynamoDB adapter (`dynamodb`) and its in-memory fake (`memory`, feature
//! `test-util`).

use std::future::Future;

use chrono::{DateTime, Utc};
use ore_lambda::RecordError;

pub mod dynamodb;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

/// Where a mail stands in the ledger of sent mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller may send it.
    Granted,
    /// It was sent.
    Sent,
    /// Another attempt claimed it at this time and has not confirmed a send.
    Pending {
        /// When that attempt claimed it.
        claimed_at: DateTime<Utc>,
    },
}

/// The emailer's ledger: at most one mail per standard message id.
pub trait MailLedger {
    /// Claim the right to send the mail for `message_id`, or learn who has it.
    fn claim(
        &self,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Claim, RecordError>> + Send;

    /// The mail went out.
    fn confirm(&self, message_id: &str) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// SES refused the mail, so nothing went out: a later attempt may claim it again.
    fn release(&self, message_id: &str) -> impl Future<Output = Result<(), RecordError>> + Send;
}
