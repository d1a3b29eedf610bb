//! Sending at a rate the SES account allows. SES counts its sending rate per *recipient*
//! (1 per second in the sandbox, the account's `MaxSendRate` outside it), and up to
//! `EMAIL_MAX_CONCURRENCY` emailer invocations send at once, so each one leaves
//! `recipients x concurrency / rate` seconds after a mail to `recipients` people (a digest
//! counts once per recipient, like any mail). A send is started only when it can finish before
//! the invocation's deadline; the records that do not fit come back shortly (deferred).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out send slots, each mail's recipients times `interval` apart, shared by the records of
/// an invocation and by the invocations of a warm function.
#[derive(Debug)]
pub struct Pacer {
    /// The spacing one recipient costs, in seconds.
    interval: f64,
    /// How long one send may take (the SDK's operation timeout plus a margin).
    send_time: Duration,
    next: Mutex<Option<Instant>>,
    /// Sends go one at a time, in the order records asked, so a back-off delays every later one.
    turn: tokio::sync::Mutex<()>,
}

impl Pacer {
    /// `sends_per_second` counted per recipient, for the whole function (all its invocations).
    pub fn new(sends_per_second: f64, max_concurrency: u32, send_time: Duration) -> Self {
        let share = f64::from(max_concurrency.max(1));
        let interval = if sends_per_second > 0.0 {
            share / sends_per_second
        } else {
            0.0
        };
        Pacer {
            interval,
            send_time,
            next: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// No spacing (tests and tools that send one mail).
    pub fn unlimited(send_time: Duration) -> Self {
        Pacer {
            interval: 0.0,
            send_time,
            next: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// The spacing after a mail to `recipients` people, in this invocation.
    pub fn interval(&self, recipients: usize) -> Duration {
        Duration::try_from_secs_f64(self.interval * recipients.max(1) as f64)
            .unwrap_or(Duration::MAX)
    }

    /// Wait for this record's turn to send; hold the guard until the send is over.
    pub async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// The next free slot for a mail to `recipients` people, or `None` when a send started then
    /// could not finish by `deadline`.
    pub fn reserve(&self, deadline: Instant, recipients: usize) -> Option<Instant> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let slot = next.map_or(now, |n| n.max(now));
        if slot + self.send_time > deadline {
            return None;
        }
        *next = Some(slot + self.interval(recipients));
        Some(slot)
    }

    /// SES throttled a send: leave a gap of a few intervals (at least a second) before the
    /// next one, so the account's rate recovers.
    pub fn back_off(&self) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let gap = (self.interval(1) * 3).max(Duration::from_secs(1));
        let now = Instant::now();
        *next = Some(next.map_or(now, |n| n.max(now)) + gap);
    }

    /// How long a deferred record waits before it comes back.
    pub fn retry_after(&self) -> Duration {
        (self.interval(1) * 5).clamp(Duration::from_secs(10), Duration::from_secs(300))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_counts_recipients_and_concurrent_invocations() {
        let second = Duration::from_secs(1);
        assert_eq!(Pacer::new(1.0, 2, second).interval(1), 2 * second);
        assert_eq!(Pacer::new(1.0, 2, second).interval(3), 6 * second);
        assert_eq!(Pacer::new(14.0, 2, second).interval(7), second);
        assert_eq!(Pacer::new(0.0, 2, second).interval(1), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_mail_to_more_people_leaves_a_longer_gap() {
        let pacer = Pacer::new(1.0, 2, Duration::from_secs(1));
        let start = Instant::now();
        let deadline = start + Duration::from_secs(60);
        let first = pacer.reserve(deadline, 3).unwrap();
        let second = pacer.reserve(deadline, 1).unwrap();
        let third = pacer.reserve(deadline, 1).unwrap();
        assert_eq!((second - first).as_secs(), 6);
        assert_eq!((third - second).as_secs(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_and_stop_before_the_deadline() {
        let pacer = Pacer::new(1.0, 2, Duration::from_secs(8));
        let start = Instant::now();
        let deadline = start + Duration::from_secs(20);
        let slots: Vec<_> = std::iter::from_fn(|| pacer.reserve(deadline, 1))
            .map(|slot| (slot - start).as_secs())
            .collect();
        // Each send may take 8 s: the last slot that can finish by 20 s starts at 12 s.
        assert_eq!(slots, [0, 2, 4, 6, 8, 10, 12]);
        pacer.back_off();
        let later = start + Duration::from_secs(60);
        assert_eq!((pacer.reserve(later, 1).unwrap() - start).as_secs(), 20);
    }
}
