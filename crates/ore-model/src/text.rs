//! Checks and clean-ups of the text fields ORE takes from events and messages: a value AWS or a
//! tag's owner wrote is bounded before it is published, and cleaned before a person reads it.

use crate::InputError;

/// Keep printable text and line breaks, cut at `max` characters with an ellipsis.
pub fn clean_text(text: &str, max: usize) -> String {
    let kept = text
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t');
    let mut out: String = kept.clone().take(max).collect();
    if kept.count() > max {
        out.push('…');
    }
    out
}

/// `value` must have at most `max_chars` characters; `field` names it in the refusal.
pub(crate) fn within(field: &'static str, value: &str, max_chars: usize) -> Result<(), InputError> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(InputError::InvalidField {
            field,
            reason: format!("{chars} characters, at most {max_chars} allowed"),
        });
    }
    Ok(())
}
