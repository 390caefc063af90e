//! Print batches (印刷等運用支援業務): the words of a job definition and of a data check.

use super::text_enum::text_enum;

text_enum! {
    /// How a job's input file is laid out.
    pub enum InputFormat: "input format" {
        /// Records of a fixed number of bytes, one a line.
        FixedWidth = "fixed" / "固定長",
        /// Comma-separated values, one record a line.
        Csv = "csv" / "CSV",
    }
}

text_enum! {
    /// The character encoding of a job's input file.
    pub enum InputEncoding: "input encoding" {
        ShiftJis = "shift_jis" / "Shift_JIS",
        Utf8 = "utf-8" / "UTF-8",
    }
}

text_enum! {
    /// What a field of a record holds, and so how it is checked.
    pub enum FieldKind: "field kind" {
        /// A fixed value (the record type, the job's code): must equal the field's `value`.
        Code = "code" / "区分",
        /// Free text (names, addresses): printed, so checked against the printer's set.
        Text = "text" / "文字",
        /// Digits only (numbers, counts).
        Number = "number" / "数字",
        /// An amount of yen: digits, summed into the control totals.
        Amount = "amount" / "金額",
        /// A Gregorian date, YYYYMMDD (西暦).
        Date = "date" / "日付(西暦)",
        /// A Japanese-era date: era letter (M, T, S, H, R) and YYMMDD (和暦).
        Wareki = "wareki" / "日付(和暦)",
        /// A postal code (郵便番号): seven digits, with or without the hyphen.
        Postal = "postal" / "郵便番号",
    }
}

text_enum! {
    /// The paper a form is printed on.
    pub enum FormKind: "form kind" {
        /// A4 notice (通知書), 210 × 297 mm.
        A4Notice = "a4_notice" / "A4通知書",
        /// A4 納付書 with its 払込票 parts, 210 × 297 mm.
        A4PaymentSlip = "a4_payment_slip" / "A4納付書(払込票付)",
        /// Postcard (はがき), 100 × 148 mm.
        Postcard = "postcard" / "はがき",
        /// Pressure-seal postcard (圧着はがき), 100 × 148 mm, outside and inside pages.
        SealedPostcard = "sealed_postcard" / "圧着はがき",
    }
}

impl FormKind {
    /// The page size in millimetres (width, height).
    pub fn page_mm(self) -> (f32, f32) {
        match self {
            FormKind::A4Notice | FormKind::A4PaymentSlip => (210.0, 297.0),
            FormKind::Postcard | FormKind::SealedPostcard => (100.0, 148.0),
        }
    }
}

text_enum! {
    /// Where a run's output goes.
    pub enum OutputRoute: "output route" {
        /// Sent to the continuous-form printer's CUPS queue over IPP.
        Cups = "cups" / "プリンタ(CUPS)",
        /// Written as a file into the printer's own spool folder.
        SpoolFolder = "spool_folder" / "スプール フォルダ",
    }
}

text_enum! {
    /// What the business calendar does with a run day that falls on a closed day.
    pub enum ClosedDayRule: "closed-day rule" {
        /// The business day before.
        Earlier = "earlier" / "前営業日",
        /// The business day after.
        Later = "later" / "翌営業日",
        /// No run that time.
        Skip = "skip" / "実施しない",
    }
}

text_enum! {
    /// The result of one named data check.
    pub enum CheckStatus: "check status" {
        Passed = "passed" / "合格",
        /// A finding an admin may override with a recorded reason.
        Warning = "warning" / "警告",
        /// A finding that stops the run; it cannot be overridden.
        Failed = "failed" / "エラー",
        /// Nothing to check against (no previous run, say).
        Skipped = "skipped" / "対象外",
    }
}

text_enum! {
    /// Where a print run stands (定例印刷作業: data check → preview → approval → output).
    pub enum RunStatus: "run status" {
        /// A check failed: the run stops with the reasons (an error is never overridden).
        Stopped = "stopped" / "停止",
        /// Only warnings: an admin may go on with a recorded reason.
        Warned = "warned" / "警告あり",
        /// Every check passed (or its warnings were overridden): ready for preview and approval.
        Checked = "checked" / "確認済",
        Approved = "approved" / "承認済",
        /// Claimed for printing (who, when): being rendered and sent, or sent (the
        /// printer's job id is recorded) and not yet reported complete. A run in this
        /// state is never sent again; its job is asked about instead.
        Printing = "printing" / "印刷中",
        /// The printer reported the job complete; the run log is complete.
        Printed = "printed" / "印刷済",
    }
}

text_enum! {
    /// What a revision of the job catalogue did to its job (5(3)ア③: jobs are added,
    /// changed and removed on the city's request).
    pub enum CatalogueChange: "catalogue change" {
        /// Revision 1 of a job, from the bundled file.
        Seeded = "seeded" / "同梱ファイルから登録",
        Added = "added" / "追加",
        Changed = "changed" / "変更",
        /// The job is no longer run; its last definition is kept.
        Retired = "retired" / "廃止",
        /// An earlier revision's definition, in force again.
        Restored = "restored" / "以前の版に戻す",
    }
}

text_enum! {
    /// How a run's files are erased (特記事項 第12-3), as the 消去証明書 states it.
    pub enum ErasureMethod: "erasure method" {
        /// The sealed files are overwritten with zeros, flushed to disk, then removed.
        ZeroOverwrite = "zero_overwrite" / "AES-256-GCMで暗号化して保管した電子ファイルを、ゼロで上書きした後に削除",
    }
}
