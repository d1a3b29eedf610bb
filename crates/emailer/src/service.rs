//! One record through the emailer: decode the standard message, render it, send it.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use ore_model::batch::{process_batch, UnreportableFailure};
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

    pub async fn handle_batch(
        &self,
        event: &SqsEvent,
    ) -> Result<SqsBatchResponse, UnreportableFailure> {
        process_batch(event, |body| self.handle_record(body)).await
    }

    pub async fn handle_record(&self, body: &str) -> Result<(), RecordError> {
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
