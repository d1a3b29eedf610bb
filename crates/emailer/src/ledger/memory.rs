//! The mail ledger in memory, for the service's unit tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;

use super::{Claim, MailLedger};

/// The mail ledger in memory: message id -> (sent, claimed at).
#[derive(Debug, Default)]
pub struct MemoryMailLedger {
    /// Each claimed message id: whether its send was confirmed, and when it was claimed.
    pub entries: Mutex<BTreeMap<String, (bool, DateTime<Utc>)>>,
    /// When set, every call fails this way.
    pub fail_with: Option<Fault>,
}

impl MemoryMailLedger {
    /// A ledger whose every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        MemoryMailLedger {
            fail_with: Some(fault),
            ..MemoryMailLedger::default()
        }
    }

    fn check(&self, operation: &'static str) -> Result<(), RecordError> {
        self.fail_with.map_or(Ok(()), |f| Err(f.error(operation)))
    }
}

impl MailLedger for MemoryMailLedger {
    async fn claim(&self, message_id: &str, now: DateTime<Utc>) -> Result<Claim, RecordError> {
        self.check("dynamodb:PutItem")?;
        let mut entries = self.entries.lock().expect("ledger lock");
        Ok(match entries.get(message_id) {
            None => {
                entries.insert(message_id.to_owned(), (false, now));
                Claim::Granted
            }
            Some((true, _)) => Claim::Sent,
            Some((false, claimed_at)) => Claim::Pending {
                claimed_at: *claimed_at,
            },
        })
    }

    async fn confirm(&self, message_id: &str) -> Result<(), RecordError> {
        self.check("dynamodb:UpdateItem")?;
        if let Some(entry) = self
            .entries
            .lock()
            .expect("ledger lock")
            .get_mut(message_id)
        {
            entry.0 = true;
        }
        Ok(())
    }

    async fn release(&self, message_id: &str) -> Result<(), RecordError> {
        self.check("dynamodb:DeleteItem")?;
        let mut entries = self.entries.lock().expect("ledger lock");
        if entries.get(message_id).is_some_and(|(sent, _)| !sent) {
            entries.remove(message_id);
        }
        Ok(())
    }
}
