//! FaxDoc: one outgoing fax, made by `FaxServer::create_document`, with a setter for every
//! field of the object model, previewed with [`FaxDoc::preview`] and sent with
//! [`FaxDoc::send`].

use std::path::PathBuf;

use ferrofax_api::{PreviewResponse, Priority, Recipient, SubmitRequest, SubmitResponse};
use reqwest::Method;
use reqwest::multipart::{Form, Part};

use crate::server::decode;
use crate::{Error, FaxServer, JobId, Result};

/// A fax being prepared. FileName is given at creation; FaxNumber (or recipients) is needed
/// before [`FaxDoc::send`].
#[derive(Debug, Clone)]
pub struct FaxDoc {
    server: FaxServer,
    file: PathBuf,
    request: SubmitRequest,
    coverpage_file: Option<PathBuf>,
    idempotency_key: Option<String>,
}

macro_rules! text_setters {
    ($part:ident: $($(#[$doc:meta])* $setter:ident => $field:ident;)*) => {
        impl FaxDoc {
            $(
                $(#[$doc])*
                pub fn $setter(&mut self, value: impl Into<String>) -> &mut Self {
                    self.request.$part.$field = value.into();
                    self
                }
            )*
        }
    };
}

text_setters! { recipient:
    /// FaxNumber: the number to dial.
    set_fax_number => fax_number;
    set_recipient_name => recipient_name;
    set_recipient_company => recipient_company;
    set_recipient_address => recipient_address;
    set_recipient_city => recipient_city;
    set_recipient_state => recipient_state;
    set_recipient_zip => recipient_zip;
    set_recipient_country => recipient_country;
    set_recipient_title => recipient_title;
    set_recipient_department => recipient_department;
    set_recipient_office => recipient_office;
    set_recipient_home_phone => recipient_home_phone;
    set_recipient_office_phone => recipient_office_phone;
}

text_setters! { doc:
    /// CoverpageName: a common cover page of the server, or the name of a personal one.
    set_coverpage_name => coverpage_name;
    set_coverpage_note => coverpage_note;
    set_coverpage_subject => coverpage_subject;
    set_sender_name => sender_name;
    set_sender_company => sender_company;
    set_sender_address => sender_address;
    set_sender_title => sender_title;
    set_sender_department => sender_department;
    set_sender_office => sender_office;
    set_sender_home_phone => sender_home_phone;
    set_sender_office_phone => sender_office_phone;
    set_sender_fax => sender_fax;
    /// Tsid: the identity to send (unless the server uses the port's).
    set_tsid => tsid;
    set_billing_code => billing_code;
    /// EmailAddress: where delivery reports go.
    set_email_address => email_address;
    set_display_name => display_name;
}

impl FaxDoc {
    pub(crate) fn new(server: FaxServer, file: PathBuf) -> Self {
        FaxDoc { server, file, request: SubmitRequest::default(), coverpage_file: None, idempotency_key: None }
    }

    /// FileName: the document sent.
    pub fn file_name(&self) -> &std::path::Path {
        &self.file
    }

    /// The FaxDoc as it will be submitted.
    pub fn request(&self) -> &SubmitRequest {
        &self.request
    }

    /// SendCoverpage.
    pub fn set_send_coverpage(&mut self, v: bool) -> &mut Self {
        self.request.doc.send_coverpage = v;
        self
    }

    /// ServerCoverpage: true when CoverpageName names a common cover page of the server.
    pub fn set_server_coverpage(&mut self, v: bool) -> &mut Self {
        self.request.doc.server_coverpage = v;
        self
    }

    /// A personal cover page, uploaded with the fax.
    pub fn set_coverpage_file(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.coverpage_file = Some(path.into());
        self
    }

    /// DiscountSend: wait for the server's discount-rate window.
    pub fn set_discount_send(&mut self, v: bool) -> &mut Self {
        self.request.doc.discount_send = v;
        self
    }

    /// How soon the fax goes relative to others that are due.
    pub fn set_priority(&mut self, p: Priority) -> &mut Self {
        self.request.doc.priority = p;
        self
    }

    /// Broadcast: adds a recipient (one job each). When recipients are added, the single
    /// recipient fields are not used.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ferrofax_client::Error> {
    /// # let (url, token, _server) = ferrofax_client::doc_support::server().await;
    /// use ferrofax_client::{FaxServer, Recipient};
    ///
    /// let server = FaxServer::connect(&url, &token).await?;
    /// # let path = std::env::temp_dir().join(format!("ferrofax-doc-bc-{}.txt", std::process::id()));
    /// # std::fs::write(&path, "Clinic closed on Friday.\n").unwrap();
    /// let mut doc = server.create_document(&path)?;
    /// doc.set_sender_name("Front desk");
    /// for (number, name) in [("+1 555 0101", "Pharmacy"), ("+1 555 0102", "Lab")] {
    ///     doc.add_recipient(Recipient { fax_number: number.into(), recipient_name: name.into(), ..Default::default() });
    /// }
    /// let ids = doc.send().await?;
    /// assert_eq!(ids.len(), 2);
    /// assert_eq!(server.job(ids[1]).await?.recipient_name, "Lab");
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_recipient(&mut self, r: Recipient) -> &mut Self {
        self.request.recipients.push(r);
        self
    }

    /// Makes a repeated `send` of the same fax return the same jobs (a retry after a lost
    /// answer does not queue the fax twice).
    pub fn set_idempotency_key(&mut self, key: impl Into<String>) -> &mut Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Queues the fax and returns at once with one job id per recipient.
    pub async fn send(&self) -> Result<Vec<JobId>> {
        Ok(self.send_detailed().await?.job_ids)
    }

    /// Like [`FaxDoc::send`], with the document id and page count.
    pub async fn send_detailed(&self) -> Result<SubmitResponse> {
        let mut rq = self.server.request(Method::POST, "/v1/jobs")?.multipart(self.form()?);
        if let Some(k) = &self.idempotency_key {
            rq = rq.header("Idempotency-Key", k);
        }
        decode(rq.send().await?).await
    }

    /// Checks and converts the fax as [`FaxDoc::send`] would (refusing it with the same
    /// errors) without queueing it: the page count of each recipient's fax and the first
    /// pages as thumbnails, drawn as they will be sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ferrofax_client::Error> {
    /// # let (url, token, _server) = ferrofax_client::doc_support::server().await;
    /// use ferrofax_client::FaxServer;
    ///
    /// let server = FaxServer::connect(&url, &token).await?;
    /// # let path = std::env::temp_dir().join(format!("ferrofax-doc-pv-{}.txt", std::process::id()));
    /// # std::fs::write(&path, "Page one\x0cPage two\n").unwrap();
    /// let mut doc = server.create_document(&path)?;
    /// doc.set_fax_number("100");
    /// let preview = doc.preview().await?;
    /// assert_eq!(preview.page_count, 2);
    /// assert!(preview.pages[0].png.starts_with("data:image/png;base64,"));
    /// assert!(server.jobs().await?.is_empty(), "nothing was queued");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn preview(&self) -> Result<PreviewResponse> {
        decode(self.server.request(Method::POST, "/v1/previews")?.multipart(self.form()?).send().await?).await
    }

    /// The multipart body of a submission or preview.
    fn form(&self) -> Result<Form> {
        let read = |p: &PathBuf| std::fs::read(p).map_err(|source| Error::Io { path: p.display().to_string(), source });
        let name = self.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "document".into());
        let fax = serde_json::to_string(&self.request).map_err(|e| Error::Protocol(e.to_string()))?;
        let mut form = Form::new()
            .part("fax", Part::text(fax).mime_str("application/json")?)
            .part("document", Part::bytes(read(&self.file)?).file_name(name));
        if let Some(c) = &self.coverpage_file {
            form = form.part("coverpage", Part::bytes(read(c)?).file_name("coverpage"));
        }
        Ok(form)
    }
}
