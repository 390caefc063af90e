//! The `madoguchi` command: parses the command line and calls into the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use madoguchi::commands;
use madoguchi::config::Settings;

#[derive(Parser)]
#[command(name = "madoguchi", version, about = "窓口: chatbot-first IT helpdesk")]
struct Cli {
    /// Settings file (TOML); default: ./madoguchi.toml when present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the helpdesk server.
    Serve,
    /// Ask a question and print the decision and the top candidates.
    Ask {
        text: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also print how the question was analysed.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Score the engine on judged queries (same code path as live questions).
    Eval(commands::EvalArgs),
    /// Talk to the bot in the terminal, as a staff member would.
    Chat {
        /// Chat as this 職員番号 (from the staff directory); default anonymous.
        #[arg(long)]
        staff: Option<String>,
    },
    /// Staff directory: import the personnel CSV (職員番号, 氏名, 所属, メール, 内線,
    /// LoGoチャットID), replacing the directory.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Operator console accounts: add, list, change a password, disable.
    User {
        #[command(subcommand)]
        action: commands::UserAction,
    },
    /// FAQ maintenance: export the entries as CSV for Excel (UTF-8 or Shift_JIS) or as
    /// Markdown files, and import them back.
    Faq {
        #[command(subcommand)]
        action: commands::FaqAction,
    },
    /// Print batches (業務要件書): the job catalogue, the year's schedule, synthetic
    /// samples, data checks, forms to PDF, the selftest.
    Batch {
        #[command(subcommand)]
        action: commands::BatchAction,
    },
    /// IP address ledger: import or export the CSV ledger (UTF-8 or Shift_JIS), add a
    /// segment, allocate, release.
    Ip {
        #[command(subcommand)]
        action: commands::IpAction,
    },
    /// Equipment register (機器台帳): import or export the CSV register (UTF-8 or
    /// Shift_JIS), list, change a device's state, assign it to a member of staff.
    Equipment {
        #[command(subcommand)]
        action: commands::EquipmentAction,
    },
    /// Computer-name ledger: issue the next name by the city's rule, delete, list.
    Name {
        #[command(subcommand)]
        action: commands::NameAction,
    },
    /// The April personnel switch: `personnel sample`, `plan CHANGES.csv --org ORG.csv
    /// --directory EXPORT.csv`, `approve`, `export`, `status`.
    Personnel {
        #[command(subcommand)]
        action: commands::PersonnelAction,
    },
    /// Reports to the city: `report monthly --month 2026-11 --format html|csv --out PATH`,
    /// `report half-year --fiscal-year 2026`, `report annual --fiscal-year 2026`.
    Report {
        #[command(subcommand)]
        action: commands::ReportAction,
    },
    /// Exports for the city: `export handover --out DIR` (everything, for the next
    /// contractor: CSV files with a manifest and checksums).
    Export {
        #[command(subcommand)]
        action: commands::ExportAction,
    },
    /// Knowledge base: import the Markdown files into the database, or export them.
    Kb {
        #[command(subcommand)]
        action: commands::KbAction,
    },
}

#[derive(Subcommand)]
enum StaffAction {
    /// Replace the directory with a CSV file (UTF-8 or Shift_JIS).
    Import {
        file: PathBuf,
        /// Take the file although it removes more than 10 people and a fifth of the
        /// directory (refused otherwise: a file filtered to one 所属, say).
        #[arg(long)]
        allow_removals: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("madoguchi: {e}");
            return ExitCode::from(2);
        }
    };
    commands::init_tracing();
    let result = match cli.command {
        Command::Serve => commands::serve(settings),
        Command::Ask {
            text,
            json,
            verbose,
        } => commands::ask(&settings, &text, json, verbose),
        Command::Eval(args) => commands::eval(&settings, &args),
        Command::Kb { action } => commands::kb(&settings, action),
        Command::Batch { action } => commands::batch(&settings, action),
        Command::Faq { action } => commands::faq(&settings, action),
        Command::User { action } => commands::user(&settings, action),
        Command::Ip { action } => commands::ip(&settings, action),
        Command::Name { action } => commands::name(&settings, action),
        Command::Equipment { action } => commands::equipment(&settings, action),
        Command::Personnel { action } => commands::personnel(&settings, action),
        Command::Report { action } => commands::report(&settings, action),
        Command::Export { action } => commands::export(&settings, action),
        Command::Chat { staff } => commands::chat(&settings, staff),
        Command::Staff {
            action:
                StaffAction::Import {
                    file,
                    allow_removals,
                },
        } => commands::staff_import(&settings, &file, allow_removals),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("madoguchi: {e:#}");
            ExitCode::FAILURE
        }
    }
}
