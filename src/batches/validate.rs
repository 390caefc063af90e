//! What must hold for a job definition beyond its TOML shape: names, the schedule, the
//! layout's widths and record types, the checks' fields, the form's positions.

use std::collections::HashSet;

use super::definition::{Field, InputLayout, JobDefinition, RecordLayout, ScheduleRule};
use crate::domain::{FieldKind, InputFormat};

/// Everything wrong with one definition.
pub fn validate(job: &JobDefinition) -> Vec<String> {
    let mut problems = Vec::new();
    let id_ok = !job.id.is_empty()
        && job
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        problems.push(format!(
            "id {:?}: use lowercase letters, digits and hyphens",
            job.id
        ));
    }
    for (what, value) in [
        ("name", &job.name),
        ("department", &job.department),
        ("source_system", &job.source_system),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("{what} is empty"));
        }
    }
    schedule_problems(&job.schedule, &mut problems);
    layout_problems(&job.input, &mut problems);
    let detail = &job.input.detail;
    for name in job.checks.duplicate_key.iter().chain(&job.checks.printable) {
        if detail.field(name).is_none() {
            problems.push(format!("checks: no detail field {name:?}"));
        }
    }
    let tolerance = job.checks.previous_run_tolerance_percent;
    if tolerance.is_nan() || tolerance < 0.0 {
        problems.push("checks.previous_run_tolerance_percent must be 0 or more".into());
    }
    form_problems(job, &mut problems);
    if job.output.destination.trim().is_empty() {
        problems.push("output.destination is empty".into());
    }
    problems
}

fn schedule_problems(rule: &ScheduleRule, problems: &mut Vec<String>) {
    match rule {
        ScheduleRule::Monthly { months, day, .. } => {
            if months.is_empty() || months.iter().any(|m| !(1..=12).contains(m)) {
                problems.push("schedule.months: give months 1 to 12".into());
            }
            let unique: HashSet<_> = months.iter().collect();
            if unique.len() != months.len() {
                problems.push("schedule.months: a month is listed twice".into());
            }
            if !(1..=28).contains(day) {
                problems.push("schedule.day: give a day 1 to 28 (every month has it)".into());
            }
        }
        ScheduleRule::Weekly { weekdays, .. } => {
            if weekdays.is_empty() {
                problems.push("schedule.weekdays is empty".into());
            }
        }
        ScheduleRule::OnDemand => {}
    }
}

fn layout_problems(input: &InputLayout, problems: &mut Vec<String>) {
    let records = [
        ("header", &input.header),
        ("detail", &input.detail),
        ("trailer", &input.trailer),
    ];
    let mut type_codes = HashSet::new();
    for (what, record) in records {
        record_problems(what, record, input, problems);
        if let Some(first) = record.fields.first() {
            if !type_codes.insert((first.value.clone(), first.width)) {
                problems.push(format!(
                    "input.{what}: its record type is the same as another record's"
                ));
            }
        }
    }
    let code = input.header.field(&input.job_code_field);
    if code.is_none_or(|(_, f)| f.kind != FieldKind::Code) {
        problems.push(format!(
            "input.job_code_field: no header code field {:?}",
            input.job_code_field
        ));
    }
    if !matches!(input.trailer.field(&input.count_field), Some((_, f)) if f.kind == FieldKind::Number)
    {
        problems.push(format!(
            "input.count_field: no trailer number field {:?}",
            input.count_field
        ));
    }
    for total in &input.totals {
        let amount = |r: &RecordLayout, n: &str| matches!(r.field(n), Some((_, f)) if f.kind == FieldKind::Amount);
        if !amount(&input.trailer, &total.trailer) || !amount(&input.detail, &total.detail) {
            problems.push(format!(
                "input.totals: {:?} = sum of {:?} needs an amount field in the trailer and in the detail",
                total.trailer, total.detail
            ));
        }
    }
}

fn record_problems(what: &str, record: &RecordLayout, input: &InputLayout, out: &mut Vec<String>) {
    let Some(first) = record.fields.first() else {
        out.push(format!("input.{what}: no fields"));
        return;
    };
    if first.kind != FieldKind::Code || first.value.is_none() {
        out.push(format!(
            "input.{what}: the first field must be the record type (kind \"code\" with a value)"
        ));
    }
    let mut names = HashSet::new();
    for field in &record.fields {
        if !names.insert(field.name.as_str()) {
            out.push(format!("input.{what}: field {:?} twice", field.name));
        }
        field_problems(what, field, input, out);
    }
    if input.format == InputFormat::FixedWidth {
        let sum: usize = record.fields.iter().filter_map(|f| f.width).sum();
        if input.record_length != Some(sum) {
            out.push(format!(
                "input.{what}: the fields' widths add up to {sum} bytes, record_length is {}",
                input
                    .record_length
                    .map_or("missing".into(), |n| n.to_string())
            ));
        }
    }
}

fn field_problems(what: &str, field: &Field, input: &InputLayout, out: &mut Vec<String>) {
    let at = format!("input.{what}.{}", field.name);
    match (input.format, field.width) {
        (InputFormat::FixedWidth, None | Some(0)) => out.push(format!("{at}: needs a width")),
        (InputFormat::Csv, Some(_)) => out.push(format!("{at}: CSV fields have no width")),
        _ => {}
    }
    match (field.kind, &field.value) {
        (FieldKind::Code, None) => out.push(format!("{at}: a code field needs its value")),
        (FieldKind::Code, Some(v)) if field.width.is_some_and(|w| v.len() != w) => {
            out.push(format!("{at}: value {v:?} is not {} bytes", v.len()));
        }
        (FieldKind::Code, Some(_)) => {}
        (_, Some(_)) => out.push(format!("{at}: only code fields have a value")),
        _ => {}
    }
    if let Some(word) = &field.sample {
        if field.kind != FieldKind::Text || !super::sample::SAMPLE_WORDS.contains(&word.as_str()) {
            out.push(format!(
                "{at}: sample {word:?} needs a text field and one of {}",
                super::sample::SAMPLE_WORDS.join(", ")
            ));
        }
    }
}

fn form_problems(job: &JobDefinition, out: &mut Vec<String>) {
    let (width, height) = job.form.kind.page_mm();
    let inside = |x: f32, y: f32| (0.0..=width).contains(&x) && (0.0..=height).contains(&y);
    for text in &job.form.texts {
        if !inside(text.x, text.y) || !(4.0..=72.0).contains(&text.size) {
            out.push(format!(
                "form.texts {:?}: position outside the {width}×{height} mm page or size not 4-72 pt",
                text.text
            ));
        }
        for name in super::form_text::placeholders(&text.text) {
            match name {
                Ok((field, _)) if known_field(&job.input, field) => {}
                Ok((field, _)) => out.push(format!("form.texts: no field {field:?}")),
                Err(e) => out.push(format!("form.texts {:?}: {e}", text.text)),
            }
        }
    }
    for line in &job.form.lines {
        if !inside(line.x1, line.y1) || !inside(line.x2, line.y2) {
            out.push("form.lines: a line leaves the page".into());
        }
    }
    for b in &job.form.boxes {
        if !inside(b.x, b.y) || !inside(b.x + b.width, b.y + b.height) {
            out.push("form.boxes: a box leaves the page".into());
        }
    }
    let pages = job.form.pages_per_record();
    if job.form.kind != crate::domain::FormKind::SealedPostcard && pages > 1 {
        out.push("form: only a sealed postcard has a second page".into());
    }
}

fn known_field(input: &InputLayout, name: &str) -> bool {
    input.detail.field(name).is_some() || input.header.field(name).is_some()
}
