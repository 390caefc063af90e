//! The running helpdesk: the composition root. It opens the store (with the one clock),
//! builds the engine from the stored entries, and wires the services and the adapters of
//! outside systems together. Channels (HTTP API, console, LoGoチャット, widget, CLI) talk
//! to the services it hands out, never to storage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::accounts::{Accounts, NoDirectory, PasswordDirectory};
use crate::adapters::active_directory::ActiveDirectory;
use crate::adapters::active_directory::RequestDirectory;
use crate::adapters::ldap::LdapDirectory;
use crate::adapters::mail::MailDelivery;
use crate::adapters::printer::RoutedPrinters;
use crate::batches::render::FormFont;
use crate::calendar::BusinessCalendar;
use crate::channels::logochat::outgoing::LogoChatDelivery;
use crate::clock::{Clock, SystemClock};
use crate::config::{QueryAdapterSetting, Settings};
use crate::conversation::Conversations;
use crate::directory::Directory;
use crate::domain::{AccountSystem, OutboxRoute, TextEnum};
use crate::engine::{AdapterSource, AnswerEngine, Semantic};
use crate::kb::files;
use crate::knowledge::KnowledgeBase;
use crate::learning::Learning;
use crate::ledgers::Ledgers;
use crate::lexicon;
use crate::loans::{LoanSentences, Loans};
use crate::notify::Notices;
use crate::outages::{OutageSentences, Outages};
use crate::outbox::{Adapters, Outbox, Wakeup};
use crate::personnel::{AccountDirectory, Personnel, PlanPolicy, Routed, WorkOrders};
use crate::print_runs::duties::DutySettings;
use crate::print_runs::sealed::FileKey;
use crate::print_runs::PrintRuns;
use crate::prompts::Prompts;
use crate::reports::Reports;
use crate::requests::{Catalogue, Requests, Sentences};
use crate::storage::{generations, Store};
use crate::tickets::Tickets;

/// Meta key set once the bundled knowledge base has been imported.
const SEEDED: &str = "kb_seeded_at";

/// The helpdesk's services, wired together.
pub struct Helpdesk {
    settings: Arc<Settings>,
    prompts: Arc<Prompts>,
    store: Store,
    knowledge: Arc<KnowledgeBase>,
    conversations: Conversations,
    tickets: Arc<Tickets>,
    accounts: Accounts,
    learning: Learning,
    directory: Directory,
    ledgers: Ledgers,
    reports: Reports,
    outbox: Arc<Outbox>,
    requests: Arc<Requests>,
    loans: Loans,
    personnel: Personnel,
    outages: Outages,
    print_runs: Result<PrintRuns, String>,
    semantic: SemanticStatus,
}

/// Whether questions are also compared with the entries' sentence vectors (hybrid
/// retrieval), and if not, why. The query adapter in effect follows the live entries:
/// the engine tells it ([`AnswerEngine::query_adapter`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SemanticStatus {
    /// The encoder's model id, when loaded.
    pub model_id: Option<String>,
    /// Why retrieval is lexical only (the model is missing, turned off, refused).
    pub off_reason: Option<String>,
}

impl Helpdesk {
    /// Connects to the database (creating and migrating it), imports the bundled
    /// knowledge base on first start, and builds the engine from the stored entries.
    pub async fn open(settings: Settings) -> anyhow::Result<Self> {
        Self::open_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Helpdesk::open`] with a given clock (tests fix the time): the store stamps every
    /// row with it, and every service reads the time from it.
    pub async fn open_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let calendar = Arc::new(BusinessCalendar::new(&settings.calendar)?);
        let prompts = Arc::new(Prompts::load(&settings.prompts_dir)?);
        let store = Store::connect(&settings.database_url(), clock.clone()).await?;
        seed(&store, &settings).await?;
        let print_runs = print_runs(&store, &settings, calendar.clone());
        let generation = generations::get(&mut store.conn(), generations::KNOWLEDGE_BASE).await?;
        let (engine, semantic) = build_engine(&store, &settings).await?;
        let engine = Arc::new(engine);
        let knowledge = Arc::new(KnowledgeBase::new(
            store.clone(),
            engine.clone(),
            settings.kb_dir.clone(),
            generation,
        ));
        let wakeup = Wakeup::default();
        let notices = Notices::new(settings.notify.clone(), prompts.clone());
        let mut requests = Requests::new(
            store.clone(),
            Catalogue::load(&settings.requests.dir)?,
            Sentences::load(&settings.prompts_dir)?,
            calendar.clone(),
            wakeup.clone(),
        )
        .with_mail(settings.notify.mail_notices());
        if let Some(ad) = RequestDirectory::new(&settings.requests.directory) {
            requests = requests.with_directory(Arc::new(ad));
        }
        let requests = Arc::new(requests);
        let loans = Loans::new(
            store.clone(),
            calendar.clone(),
            LoanSentences::load(&settings.prompts_dir)?,
            wakeup.clone(),
        )
        .with_operators_room(settings.notify.logochat_room.clone());
        let ledgers = Ledgers::new(
            store.clone(),
            settings.ledgers.clone(),
            settings.notify.clone(),
        );
        let outages = Outages::new(
            store.clone(),
            OutageSentences::load(&settings.prompts_dir)?,
            wakeup.clone(),
        )
        .with_city(ledgers.clone());
        let tickets = Arc::new(Tickets::new(
            store.clone(),
            prompts.clone(),
            calendar,
            settings.sla.clone(),
            notices,
            wakeup.clone(),
        ));
        let conversations = Conversations::new(
            store.clone(),
            engine,
            prompts.clone(),
            tickets.clone(),
            wakeup.clone(),
            settings.engine.thresholds.suggest,
            settings.faq.image_hosts.clone(),
        )
        .with_requests(requests.clone())
        .with_loans(loans.clone())
        .with_outages(outages.clone());
        let directory: Arc<dyn PasswordDirectory> = if settings.ldap.enabled() {
            Arc::new(LdapDirectory::new(settings.ldap.clone()))
        } else {
            Arc::new(NoDirectory)
        };
        let accounts = Accounts::new(store.clone(), settings.console, directory);
        let learning = Learning::new(store.clone(), knowledge.clone());
        let outbox = Arc::new(Outbox::new(
            store.clone(),
            adapters(&settings, clock),
            settings.outbox,
            wakeup,
        ));
        Ok(Self {
            print_runs,
            directory: Directory::new(store.clone()),
            ledgers,
            reports: Reports::new(store.clone()),
            personnel: Personnel::new(store.clone(), PlanPolicy::default())
                .with_directory(Arc::new(personnel_directory(&settings)))
                .with_font(settings.batches.font.clone()),
            settings,
            prompts,
            store,
            knowledge,
            conversations,
            tickets,
            accounts,
            learning,
            outbox,
            semantic,
            requests,
            loans,
            outages,
        })
    }

    /// Whether semantic retrieval is on (`/healthz` shows it).
    pub fn semantic(&self) -> &SemanticStatus {
        &self.semantic
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The bot's sentences.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    pub fn knowledge(&self) -> &Arc<KnowledgeBase> {
        &self.knowledge
    }

    pub fn conversations(&self) -> &Conversations {
        &self.conversations
    }

    pub fn tickets(&self) -> &Tickets {
        &self.tickets
    }

    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    pub fn learning(&self) -> &Learning {
        &self.learning
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn requests(&self) -> &Arc<Requests> {
        &self.requests
    }

    /// Loans and reservations.
    pub fn loans(&self) -> &Loans {
        &self.loans
    }

    /// Outages (障害): declared, noticed in the chat, replied to, closed.
    pub fn outages(&self) -> &Outages {
        &self.outages
    }

    /// The IP address and computer-name ledgers.
    pub fn ledgers(&self) -> &Ledgers {
        &self.ledgers
    }

    /// The April personnel switch (年度切り替え).
    pub fn personnel(&self) -> &Personnel {
        &self.personnel
    }

    /// The monthly, half-year and annual reports.
    pub fn reports(&self) -> &Reports {
        &self.reports
    }

    /// Print runs (定例印刷作業), or why they are unavailable (no file key, no font, a
    /// catalogue that does not load).
    pub fn print_runs(&self) -> Result<&PrintRuns, &str> {
        self.print_runs.as_ref().map_err(String::as_str)
    }

    pub fn outbox(&self) -> &Arc<Outbox> {
        &self.outbox
    }

    /// The store, for administration commands and tests that look at what was written.
    /// Services hold their own handle; HTTP handlers never use this.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The time now, by the helpdesk's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.store.now()
    }
}

/// Where the personnel switch writes: the Active Directory of `[personnel.directory]`
/// for its system when set, work orders for everything else.
pub fn personnel_directory(settings: &Settings) -> Routed {
    let mut adapters: Vec<Box<dyn AccountDirectory>> = Vec::new();
    let mut except = Vec::new();
    if let Some(ad) = ActiveDirectory::new(&settings.personnel.directory) {
        except.extend(AccountSystem::ALL.iter().filter(|s| ad.handles(**s)));
        adapters.push(Box::new(ad));
    }
    adapters.push(Box::new(WorkOrders { except }));
    Routed(adapters)
}

/// Imports the bundled knowledge base into an empty database, once, audited as
/// `faq.import` by `seed`.
async fn seed(store: &Store, settings: &Settings) -> anyhow::Result<()> {
    if store.meta_get(SEEDED).await?.is_some() {
        return Ok(());
    }
    // A database with entries but no mark (seeded by hand) is only marked.
    let entries = match store.faq_count().await? {
        0 => files::load_dir(&settings.kb_dir)?,
        _ => Vec::new(),
    };
    if let Some(report) = store.seed_faqs(&entries, "seed", SEEDED).await? {
        tracing::info!(
            created = report.created,
            "imported the bundled knowledge base"
        );
    }
    Ok(())
}

/// The engine, built from the stored entries (and their stored sentence vectors, those
/// missing computed first) with the synonym dictionary in use.
async fn build_engine(
    store: &Store,
    settings: &Settings,
) -> anyhow::Result<(AnswerEngine, SemanticStatus)> {
    let entries = store.list_faqs().await?;
    // A dictionary saved from the console wins over the knowledge-base file.
    let synonyms = crate::knowledge::synonyms_at_start(store, &settings.kb_dir).await?;
    let analyzer = crate::analysis::Analyzer::new(synonyms);
    let smalltalk = lexicon::load_smalltalk(&settings.kb_dir)?;
    let config = settings.engine;
    let semantic = load_semantic(settings.semantic.model().map(Path::to_path_buf)).await;
    // A named adapter file that cannot be used stops the start before any encoding.
    let adapter_source = match &semantic {
        Ok(s) => adapter_source(&settings.semantic.query_adapter(), s)?,
        Err(_) => AdapterSource::Off,
    };
    let vectors = match &semantic {
        Ok(s) => Some(crate::knowledge::entry_vectors(store, s, &entries).await?),
        Err(_) => None,
    };
    let status = match &semantic {
        Ok(s) => SemanticStatus {
            model_id: Some(s.model_id().to_owned()),
            off_reason: None,
        },
        Err(reason) => SemanticStatus {
            model_id: None,
            off_reason: Some(reason.clone()),
        },
    };
    let engine = tokio::task::spawn_blocking(move || {
        AnswerEngine::hybrid(
            analyzer,
            smalltalk,
            config,
            &entries,
            semantic.ok(),
            vectors.as_ref(),
            adapter_source,
        )
    })
    .await??;
    if status.model_id.is_some() {
        tracing::info!(
            query_adapter = engine.query_adapter().as_deref().unwrap_or("none"),
            "questions compared with the entries' vectors"
        );
    }
    Ok((engine, status))
}

/// The query adapter `setting` names for `semantic`'s encoder: the built-in one (the
/// engine uses it only where it fits the encoder and the live entries, decided again
/// whenever they change), none, or a file; a file that cannot be used is an error that
/// names it.
pub fn adapter_source(
    setting: &QueryAdapterSetting,
    semantic: &Semantic,
) -> anyhow::Result<AdapterSource> {
    match setting {
        QueryAdapterSetting::BuiltIn => Ok(AdapterSource::BuiltIn),
        QueryAdapterSetting::Off => Ok(AdapterSource::Off),
        QueryAdapterSetting::File(path) => AdapterSource::file(path, semantic.dim())
            .map_err(|e| anyhow::anyhow!("[semantic] query_adapter: {e}")),
    }
}

/// The sentence encoder at `model`, or why retrieval is lexical only (logged).
async fn load_semantic(model: Option<PathBuf>) -> Result<Arc<Semantic>, String> {
    let Some(path) = model else {
        tracing::info!("semantic retrieval off ([semantic] model is empty): lexical only");
        return Err("turned off in the configuration ([semantic] model)".into());
    };
    let loaded = tokio::task::spawn_blocking(move || Semantic::load(&path))
        .await
        .map_err(|e| e.to_string())?;
    match loaded {
        Ok(semantic) => {
            tracing::info!(model = semantic.model_id(), "semantic retrieval on");
            Ok(semantic)
        }
        Err(e @ sentence_encoder::Error::Missing { .. }) => {
            tracing::warn!(
                error = %e,
                "semantic retrieval off: the sentence encoder's model is missing, answering \
                 from lexical matching alone (run scripts/fetch-model)"
            );
            Err(e.to_string())
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                "semantic retrieval off: the sentence encoder's model cannot be used, \
                 answering from lexical matching alone"
            );
            Err(e.to_string())
        }
    }
}

/// The print-run service from `[batches]`, or why it cannot run (logged). Never a
/// default key: without `file_key` there are no print runs.
fn print_runs(
    store: &Store,
    settings: &Settings,
    calendar: Arc<BusinessCalendar>,
) -> Result<PrintRuns, String> {
    let batches = &settings.batches;
    let built = (|| {
        let key = batches
            .file_key
            .as_ref()
            .ok_or("[batches] file_key (MADOGUCHI_BATCHES_FILE_KEY) is not set")?;
        let key =
            FileKey::from_hex(key.expose()).map_err(|e| format!("[batches] file_key: {e}"))?;
        let catalogue = crate::batches::Catalogue::load(&batches.catalogue_dir)
            .map_err(|e| format!("the job catalogue: {}", e.problems.join("; ")))?;
        let font = std::fs::read(&batches.font)
            .map_err(|e| format!("the form font {}: {e}", batches.font.display()))?;
        let font = FormFont::from_bytes(font).map_err(|e| format!("the form font: {e}"))?;
        let files = batches
            .runs_dir
            .clone()
            .unwrap_or_else(|| settings.data_dir.join("print-runs"));
        PrintRuns::routed(
            store.clone(),
            Arc::new(catalogue),
            font,
            Arc::new(RoutedPrinters::new(batches)),
            files,
            Arc::new(key),
        )
        .map(|runs| {
            runs.with_calendar(calendar)
                .with_duties(DutySettings::new(batches, &settings.notify))
        })
        .map_err(|e| format!("the runs folder: {e}"))
    })();
    if let Err(reason) = &built {
        tracing::info!(%reason, "print runs unavailable");
    }
    built
}

/// The outbox's adapters, one per route.
fn adapters(settings: &Settings, clock: Arc<dyn Clock>) -> Adapters {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("an HTTP client without TLS settings always builds");
    let logochat = &settings.logochat;
    let staff_url = logochat
        .outgoing_url
        .clone()
        .ok_or("MADOGUCHI_LOGOCHAT_OUTGOING_URL is not set");
    let operators_url = settings
        .notify
        .logochat_url
        .clone()
        .or_else(|| logochat.outgoing_url.clone())
        .ok_or("neither [notify] logochat_url nor [logochat] outgoing_url is set");
    let mut adapters = Adapters::default();
    adapters.register(
        OutboxRoute::LogoChat,
        Arc::new(LogoChatDelivery::new(
            client.clone(),
            staff_url,
            logochat.clone(),
            clock.clone(),
        )),
    );
    adapters.register(
        OutboxRoute::OperatorsRoom,
        Arc::new(LogoChatDelivery::new(
            client,
            operators_url,
            logochat.clone(),
            clock,
        )),
    );
    adapters.register(
        OutboxRoute::Mail,
        Arc::new(
            MailDelivery::new(settings.notify.smtp.clone())
                .with_city_contact(settings.ledgers.city_contact.mail.clone()),
        ),
    );
    adapters
}
