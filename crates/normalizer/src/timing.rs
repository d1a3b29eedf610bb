//! The timing rule, free of I/O: given an event and what the store holds for its resource,
//! decide whether it is a duplicate, late or current, what state came before and for how long,
//! and whether the resource is flapping. EventBridge delivers at least once and in no
//! particular order; this is where ORE makes sense of that.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use ore_model::ec2::InstanceState;
use ore_model::timing::{CurrentState, Flapping, HistoryEntry, Snapshot, StateName, Timing};

/// When a resource counts as flapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlappingRule {
    /// This many transitions (or more) within the window; 0 disables the rule.
    pub transitions: u32,
    /// The window.
    pub window: Duration,
}

impl Default for FlappingRule {
    /// Six transitions in 30 minutes: two full stop/start cycles and a bit, not a deployment.
    fn default() -> Self {
        FlappingRule {
            transitions: 6,
            window: Duration::from_secs(30 * 60),
        }
    }
}

impl FlappingRule {
    fn window(&self) -> TimeDelta {
        TimeDelta::from_std(self.window).unwrap_or(TimeDelta::MAX)
    }

    /// The earliest history the decision needs for an event at `event_time`: the flapping
    /// window before it (which also holds the event's own entry, if it was recorded).
    pub fn history_from(&self, event_time: DateTime<Utc>) -> DateTime<Utc> {
        event_time
            .checked_sub_signed(self.window())
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// The event being recorded: an instance's state change, or a timed notice (its state a word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a, S = InstanceState> {
    /// EventBridge's id.
    pub id: &'a str,
    /// AWS's event time.
    pub time: DateTime<Utc>,
    /// The state it reports.
    pub state: S,
    /// The standard message's id.
    pub message_id: &'a str,
}

impl<S> Event<'_, S> {
    /// History is ordered by time, then id (a total order every normalizer agrees on).
    fn key(&self) -> (DateTime<Utc>, &str) {
        (self.time, self.id)
    }
}

/// What the store's record means for the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment<S = InstanceState> {
    /// The event is recorded already. Published: nothing to do. Not published (an earlier
    /// attempt failed after recording): publish it with the recorded timing.
    Recorded(HistoryEntry<S>),
    /// A new event: record `entry`, and make `current` the current state (`None` for a late
    /// event, which never overwrites a newer state).
    New {
        /// The history entry to write.
        entry: HistoryEntry<S>,
        /// The new current state.
        current: Option<CurrentState<S>>,
    },
}

/// The decision for `event` given `snapshot` (loaded from [`FlappingRule::history_from`]).
pub fn assess<S: StateName>(
    event: &Event<'_, S>,
    snapshot: &Snapshot<S>,
    rule: FlappingRule,
) -> Assessment<S> {
    if let Some(entry) = snapshot.history.iter().find(|e| e.event_id == event.id) {
        return Assessment::Recorded(entry.clone());
    }
    let current = snapshot.current.as_ref();
    if let Some(current) = current.filter(|c| c.event_id == event.id) {
        // Its history entry has expired, but the state came from this very event.
        return Assessment::Recorded(HistoryEntry {
            event_id: event.id.to_owned(),
            event_time: current.event_time,
            state: current.state.clone(),
            message_id: event.message_id.to_owned(),
            timing: Timing::default(),
            published: true,
        });
    }
    // EventBridge stamps whole seconds, and pending -> running can share one: an event as old as
    // the current state is taken in arrival order, only an older one is late.
    let late = current.is_some_and(|c| event.time < c.event_time);
    let (timing, next) = if late {
        (late_timing(event, snapshot), None)
    } else {
        let (timing, next) = in_order(event, current, &snapshot.history, rule);
        (timing, Some(next))
    };
    Assessment::New {
        entry: HistoryEntry {
            event_id: event.id.to_owned(),
            event_time: event.time,
            state: event.state.clone(),
            message_id: event.message_id.to_owned(),
            timing,
            published: false,
        },
        current: next,
    }
}

/// A late event's timing: the state before it per the record (the newest entry older than the
/// event), and the state ORE holds as current.
fn late_timing<S: StateName>(event: &Event<'_, S>, snapshot: &Snapshot<S>) -> Timing<S> {
    let before = snapshot
        .history
        .iter()
        .filter(|e| (e.event_time, e.event_id.as_str()) < event.key())
        .max_by_key(|e| (e.event_time, e.event_id.clone()));
    Timing {
        previous_state: before.map(|e| e.state.clone()),
        previous_state_since: before.map(|e| e.event_time),
        previous_state_seconds: before.map(|e| seconds_between(e.event_time, event.time)),
        late: true,
        current_state: snapshot.current.as_ref().map(|c| c.state.clone()),
        flapping: None,
    }
}

/// An event in order: its timing against the current state (flapping flagged once per window),
/// and the current state it makes.
fn in_order<S: StateName>(
    event: &Event<'_, S>,
    current: Option<&CurrentState<S>>,
    history: &[HistoryEntry<S>],
    rule: FlappingRule,
) -> (Timing<S>, CurrentState<S>) {
    let transitions = transitions_in_window(event, history, rule);
    let flagged_before = current.and_then(|c| c.flapping_flagged_at);
    let flag = rule.transitions > 0
        && transitions >= rule.transitions
        && flagged_before.is_none_or(|at| at <= event.time - rule.window());
    let timing = Timing {
        previous_state: current.map(|c| c.state.clone()),
        previous_state_since: current.map(|c| c.since),
        previous_state_seconds: current.map(|c| seconds_between(c.since, event.time)),
        late: false,
        current_state: None,
        flapping: flag.then_some(Flapping {
            transitions,
            window_seconds: rule.window.as_secs(),
        }),
    };
    let next = CurrentState {
        state: event.state.clone(),
        since: match current {
            Some(c) if c.state == event.state => c.since,
            _ => event.time,
        },
        event_time: event.time,
        event_id: event.id.to_owned(),
        flapping_flagged_at: if flag {
            Some(event.time)
        } else {
            flagged_before
        },
    };
    (timing, next)
}

/// Transitions within the window ending at the event, the event included.
fn transitions_in_window<S>(
    event: &Event<'_, S>,
    history: &[HistoryEntry<S>],
    rule: FlappingRule,
) -> u32 {
    let start = rule.history_from(event.time);
    let recorded = history
        .iter()
        .filter(|e| e.event_time > start && e.event_time <= event.time)
        .count();
    u32::try_from(recorded)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// Whole seconds from `from` to `to`; zero when clocks disagree and `to` comes first.
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_seconds()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + TimeDelta::minutes(minutes)
    }

    fn event(id: &str, minutes: i64, state: InstanceState) -> Event<'_> {
        Event {
            id,
            time: at(minutes),
            state,
            message_id: "m",
        }
    }

    /// Replays events through `assess` as the store would keep them.
    fn replay(events: &[Event<'_>], rule: FlappingRule) -> (Snapshot, Vec<Assessment>) {
        let mut snapshot = Snapshot::default();
        let mut out = Vec::new();
        for e in events {
            let assessment = assess(e, &snapshot, rule);
            if let Assessment::New { entry, current } = &assessment {
                snapshot.history.push(entry.clone());
                snapshot
                    .history
                    .sort_by_key(|e| (e.event_time, e.event_id.clone()));
                if let Some(current) = current {
                    snapshot.current = Some(current.clone());
                }
            }
            out.push(assessment);
        }
        (snapshot, out)
    }

    fn timing(a: &Assessment) -> &Timing {
        match a {
            Assessment::New { entry, .. } | Assessment::Recorded(entry) => &entry.timing,
        }
    }

    #[test]
    fn the_first_event_has_no_past() {
        let a = assess(
            &event("e1", 0, InstanceState::Running),
            &Snapshot::default(),
            FlappingRule::default(),
        );
        let Assessment::New { entry, current } = a else {
            panic!("new event expected")
        };
        assert_eq!(entry.timing, Timing::default());
        let current = current.unwrap();
        assert_eq!(
            (current.state, current.since),
            (InstanceState::Running, at(0))
        );
    }

    #[test]
    fn previous_state_and_how_long_it_lasted() {
        let (snapshot, out) = replay(
            &[
                event("e1", 0, InstanceState::Pending),
                event("e2", 1, InstanceState::Running),
                event("e3", 193, InstanceState::Stopping),
            ],
            FlappingRule::default(),
        );
        let t = timing(&out[2]);
        assert_eq!(t.previous_state, Some(InstanceState::Running));
        assert_eq!(t.previous_state_since, Some(at(1)));
        assert_eq!(t.previous_state_seconds, Some(192 * 60));
        assert!(!t.late);
        assert_eq!(
            snapshot.current.unwrap().state,
            InstanceState::Stopping,
            "the newest event is the current state"
        );
    }

    #[test]
    fn a_redelivered_event_is_recognised_published_or_not() {
        let (mut snapshot, _) = replay(
            &[event("e1", 0, InstanceState::Running)],
            FlappingRule::default(),
        );
        let again = assess(
            &event("e1", 0, InstanceState::Running),
            &snapshot,
            FlappingRule::default(),
        );
        assert!(matches!(again, Assessment::Recorded(ref e) if !e.published));
        snapshot.history[0].published = true;
        let again = assess(
            &event("e1", 0, InstanceState::Running),
            &snapshot,
            FlappingRule::default(),
        );
        assert!(matches!(again, Assessment::Recorded(ref e) if e.published));
        // History expired, the current state still names the event.
        snapshot.history.clear();
        let again = assess(
            &event("e1", 0, InstanceState::Running),
            &snapshot,
            FlappingRule::default(),
        );
        assert!(matches!(again, Assessment::Recorded(ref e) if e.published));
    }

    #[test]
    fn a_late_event_is_history_and_says_what_is_current() {
        let (snapshot, out) = replay(
            &[
                event("e1", 0, InstanceState::Pending),
                event("e3", 10, InstanceState::Stopping),
                event("e2", 1, InstanceState::Running),
            ],
            FlappingRule::default(),
        );
        let Assessment::New { entry, current } = &out[2] else {
            panic!("new event expected")
        };
        assert!(current.is_none(), "a late event never overwrites");
        assert!(entry.timing.late);
        assert_eq!(entry.timing.current_state, Some(InstanceState::Stopping));
        assert_eq!(entry.timing.previous_state, Some(InstanceState::Pending));
        assert_eq!(entry.timing.previous_state_seconds, Some(60));
        assert_eq!(snapshot.current.unwrap().event_id, "e3");
    }

    #[test]
    fn reverse_order_still_ends_in_the_newest_state() {
        let (snapshot, out) = replay(
            &[
                event("e4", 30, InstanceState::Stopped),
                event("e3", 20, InstanceState::Stopping),
                event("e2", 10, InstanceState::Running),
                event("e1", 0, InstanceState::Pending),
            ],
            FlappingRule::default(),
        );
        assert_eq!(snapshot.current.unwrap().state, InstanceState::Stopped);
        let late: Vec<bool> = out.iter().map(|a| timing(a).late).collect();
        assert_eq!(late, [false, true, true, true]);
    }

    #[test]
    fn events_of_the_same_second_are_taken_in_arrival_order() {
        let (snapshot, out) = replay(
            &[
                event("b", 5, InstanceState::Pending),
                event("a", 5, InstanceState::Running),
            ],
            FlappingRule::default(),
        );
        assert!(!timing(&out[1]).late);
        assert_eq!(timing(&out[1]).previous_state, Some(InstanceState::Pending));
        assert_eq!(snapshot.current.unwrap().event_id, "a");
    }

    #[test]
    fn clock_skew_never_gives_a_negative_duration() {
        let snapshot = Snapshot {
            current: Some(CurrentState {
                state: InstanceState::Running,
                since: at(10), // since is later than the event: stamped by another clock
                event_time: at(0),
                event_id: "a".into(),
                flapping_flagged_at: None,
            }),
            ..Snapshot::default()
        };
        let a = assess(
            &event("b", 5, InstanceState::Stopping),
            &snapshot,
            FlappingRule::default(),
        );
        assert_eq!(timing(&a).previous_state_seconds, Some(0));
    }

    #[test]
    fn repeated_same_state_keeps_when_it_began() {
        let (snapshot, out) = replay(
            &[
                event("e1", 0, InstanceState::Running),
                event("e2", 5, InstanceState::Running),
            ],
            FlappingRule::default(),
        );
        assert_eq!(snapshot.current.unwrap().since, at(0));
        assert_eq!(timing(&out[1]).previous_state_seconds, Some(300));
    }

    #[test]
    fn flapping_is_flagged_once_per_window() {
        let rule = FlappingRule {
            transitions: 4,
            window: Duration::from_secs(10 * 60),
        };
        let states = [InstanceState::Running, InstanceState::Stopped];
        let ids: Vec<String> = (0..12).map(|i| format!("e{i:02}")).collect();
        // One transition a minute for 12 minutes.
        let events: Vec<Event<'_>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| event(id, i as i64, states[i % 2]))
            .collect();
        let (_, out) = replay(&events, rule);
        let flagged: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, a)| timing(a).flapping.is_some())
            .map(|(i, _)| i)
            .collect();
        // The 4th transition reaches the threshold; the next flag waits for the window to pass.
        assert_eq!(flagged, [3]);
        let flapping = timing(&out[3]).flapping.unwrap();
        assert_eq!(flapping.transitions, 4);
        assert_eq!(flapping.window_seconds, 600);
        // After a full window, still flapping: flagged again.
        let more: Vec<String> = (12..16).map(|i| format!("e{i:02}")).collect();
        let mut all = events.clone();
        all.extend(
            more.iter()
                .enumerate()
                .map(|(i, id)| event(id, 12 + i as i64, states[i % 2])),
        );
        let (_, out) = replay(&all, rule);
        let flagged: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, a)| timing(a).flapping.is_some())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, [3, 13]);
    }

    #[test]
    fn a_zero_threshold_disables_flapping() {
        let rule = FlappingRule {
            transitions: 0,
            window: Duration::from_secs(600),
        };
        let (_, out) = replay(
            &[
                event("e1", 0, InstanceState::Running),
                event("e2", 1, InstanceState::Stopped),
            ],
            rule,
        );
        assert!(out.iter().all(|a| timing(a).flapping.is_none()));
    }
}
