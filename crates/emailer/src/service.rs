//! One record through the emailer: decode the standard message, render it, send it.

use chrono::Utc;
use ore_model::batch::RecordHandler;
use ore_model::standard::StandardMessage;
use ore_model::RecordError;

use crate::{Renderer, SendMail};

pub struct Emailer<M> {
    renderer: Renderer,
    mailer: M,
}

impl<M: SendMail> Emailer<M> {
    pub fn new(renderer: Renderer, mailer: M) -> Self {
        Emailer { renderer, mailer }
    }
}

impl<M: SendMail + Sync> RecordHandler for Emailer<M> {
    async fn handle_record(&self, body: &str) -> Result<(), RecordError> {
        let message = StandardMessage::from_sqs_body(body)?;
        let email = self.renderer.render(&message, Utc::now())?;
        self.mailer.send(&email).await?;
        tracing::info!(
            message_id = %message.id,
            resource_id = %message.data.resource_id,
            state = %message.data.state,
            "email sent"
        );
        Ok(())
    }
}
