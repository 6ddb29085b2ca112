use algoreg_domain::workflow::WorkflowError;
use algoreg_standard::FieldError;
use algoreg_store::StoreError;

/// One error type for the service layer. The HTTP layer maps it to problem+json; nothing internal leaks.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Field-level validation failures, all at once.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Bad input outside the standard (a parameter, an ID): names the field and the rule.
    #[error("invalid {field}: {message_en}")]
    BadInput { field: String, message_nl: String, message_en: String },
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden: {message_en}")]
    Forbidden { message_nl: String, message_en: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    #[error("workflow: {0}")]
    Workflow(WorkflowError),
    #[error("the record was changed by someone else; reload and try again")]
    Stale,
    /// A limit on public writes was hit; try again after this many seconds.
    #[error("too many requests; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// The request body is larger than the route takes.
    #[error("the body is too large")]
    TooLarge,
    #[error("internal error")]
    Internal(String),
}

impl ServiceError {
    pub fn bad(field: impl Into<String>, message_nl: impl Into<String>, message_en: impl Into<String>) -> ServiceError {
        ServiceError::BadInput { field: field.into(), message_nl: message_nl.into(), message_en: message_en.into() }
    }
    pub fn forbidden(message_nl: &str, message_en: &str) -> ServiceError {
        ServiceError::Forbidden { message_nl: message_nl.into(), message_en: message_en.into() }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound("record"),
            StoreError::Conflict(field) => ServiceError::Conflict { field },
            StoreError::Stale => ServiceError::Stale,
            StoreError::Unstorable => ServiceError::bad(
                "text",
                "Een tekst bevat een onzichtbaar stuurteken (NUL); haal het weg.",
                "A text holds an invisible control character (NUL); remove it.",
            ),
            StoreError::Backend(m) => ServiceError::Internal(m),
        }
    }
}

impl From<WorkflowError> for ServiceError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Forbidden(_) => ServiceError::Forbidden { message_nl: e.message_nl(), message_en: e.to_string() },
            other => ServiceError::Workflow(other),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
