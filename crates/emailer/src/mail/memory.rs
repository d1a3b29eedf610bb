//! The mail port in memory: what would have gone out, and which attempts fail.

use std::sync::Mutex;

use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;
use tokio::time::Instant;

use super::{RenderedEmail, SendMail};

/// Which send attempt (by number and recipients) fails, and how.
type MailFault = Box<dyn Fn(u32, &[String]) -> Option<Fault> + Send + Sync>;

/// The `SendMail` port in memory: each attempt's time, and the mails that went out with their
/// recipients. Which attempts fail is a function of the attempt's number (0-based) and its
/// recipients.
pub struct RecordingMailer {
    fault: MailFault,
    attempts: Mutex<Vec<Instant>>,
    sent: Mutex<Vec<(Vec<String>, RenderedEmail)>>,
}

impl Default for RecordingMailer {
    fn default() -> Self {
        Self::with_faults(|_| None)
    }
}

impl RecordingMailer {
    /// Attempt `n` fails with `fault(n)` when it is `Some`.
    pub fn with_faults(fault: impl Fn(u32) -> Option<Fault> + Send + Sync + 'static) -> Self {
        Self::with_recipient_faults(move |attempt, _| fault(attempt))
    }

    /// Attempt `n` to send to `to` fails with `fault(n, to)` when it is `Some`.
    pub fn with_recipient_faults(
        fault: impl Fn(u32, &[String]) -> Option<Fault> + Send + Sync + 'static,
    ) -> Self {
        RecordingMailer {
            fault: Box::new(fault),
            attempts: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// Every attempt to send to a list holding `address` fails with `fault`.
    pub fn failing_for(address: &str, fault: Fault) -> Self {
        let address = address.to_owned();
        Self::with_recipient_faults(move |_, to| to.contains(&address).then_some(fault))
    }

    /// Every attempt fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        Self::with_faults(move |_| Some(fault))
    }

    /// When each send was attempted (tokio's clock, paused in pacing tests).
    pub fn attempts(&self) -> Vec<Instant> {
        self.attempts.lock().expect("mailer lock").clone()
    }

    /// The mails that went out, in order.
    pub fn sent(&self) -> Vec<RenderedEmail> {
        self.sent_to().into_iter().map(|(_, email)| email).collect()
    }

    /// The mails that went out with their recipients, in order.
    pub fn sent_to(&self) -> Vec<(Vec<String>, RenderedEmail)> {
        self.sent.lock().expect("mailer lock").clone()
    }
}

impl SendMail for RecordingMailer {
    async fn send(&self, to: &[String], email: &RenderedEmail) -> Result<(), RecordError> {
        let attempt = {
            let mut attempts = self.attempts.lock().expect("mailer lock");
            attempts.push(Instant::now());
            u32::try_from(attempts.len() - 1).unwrap_or(u32::MAX)
        };
        if let Some(fault) = (self.fault)(attempt, to) {
            return Err(fault.error(email.send_action()));
        }
        self.sent
            .lock()
            .expect("mailer lock")
            .push((to.to_vec(), email.clone()));
        Ok(())
    }
}
