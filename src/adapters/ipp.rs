//! The little of IPP/1.1 (RFC 8010, 8011) the continuous-form printer's CUPS queue needs:
//! Print-Job with the document streamed from its file, Get-Job-Attributes for the job's
//! state, Get-Printer-Attributes for the queue's, and Get-Jobs for a job by its name. One
//! HTTP/1.0 request per operation over a plain TCP connection (no chunked encoding either
//! way; connecting, each write and the answer each have a time limit), so a 10,000-page
//! PDF goes to the server in 64 KB pieces and is never held in memory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

/// How long one request may wait for the server to answer (Print-Job: after the last
/// byte was sent; CUPS answers once the document is spooled).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// How long connecting may take (a print server switched off, or a firewall that drops
/// packets, would otherwise hold the print duty for the system's own TCP timeout), and
/// how long one write may wait for the server to take more of the document.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(120);

const PRINT_JOB: u16 = 0x0002;
const GET_JOB_ATTRIBUTES: u16 = 0x0009;
const GET_JOBS: u16 = 0x000A;
const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;

const OPERATION_GROUP: u8 = 0x01;
const END_OF_ATTRIBUTES: u8 = 0x03;
const INTEGER: u8 = 0x21;
const BOOLEAN: u8 = 0x22;
const ENUM: u8 = 0x23;
const TEXT: u8 = 0x41;
const NAME: u8 = 0x42;
const KEYWORD: u8 = 0x44;
const URI: u8 = 0x45;
const CHARSET: u8 = 0x47;
const LANGUAGE: u8 = 0x48;
const MIME_TYPE: u8 = 0x49;

/// Who asks (`requesting-user-name`): the jobs show it in the printer's log.
const USER: &str = "madoguchi";

/// An IPP request being built: the operation attributes, in order.
struct Request {
    body: Vec<u8>,
}

impl Request {
    fn new(operation: u16, printer_uri: &str) -> Self {
        let mut r = Request { body: Vec::new() };
        r.body.extend_from_slice(&[0x01, 0x01]); // IPP/1.1
        r.body.extend_from_slice(&operation.to_be_bytes());
        r.body.extend_from_slice(&1u32.to_be_bytes()); // request-id
        r.body.push(OPERATION_GROUP);
        r.attribute(CHARSET, "attributes-charset", b"utf-8");
        r.attribute(LANGUAGE, "attributes-natural-language", b"ja");
        r.attribute(URI, "printer-uri", printer_uri.as_bytes());
        r.attribute(NAME, "requesting-user-name", USER.as_bytes());
        r
    }

    /// One value; an empty `name` adds a further value to the attribute before it.
    fn attribute(&mut self, tag: u8, name: &str, value: &[u8]) {
        self.body.push(tag);
        self.body
            .extend_from_slice(&(name.len() as u16).to_be_bytes());
        self.body.extend_from_slice(name.as_bytes());
        self.body
            .extend_from_slice(&(value.len() as u16).to_be_bytes());
        self.body.extend_from_slice(value);
    }

    fn end(mut self) -> Vec<u8> {
        self.body.push(END_OF_ATTRIBUTES);
        self.body
    }
}

/// A value of an answer's attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Integer(i32),
    Text(String),
}

/// The server's answer: its status code and every attribute's values, by name.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub attributes: Vec<(String, Value)>,
    /// Where each attribute group begins in `attributes` (Get-Jobs: one group a job).
    pub groups: Vec<usize>,
}

impl Answer {
    pub fn integer(&self, name: &str) -> Option<i32> {
        self.attributes.iter().find_map(|(n, v)| match v {
            Value::Integer(i) if n == name => Some(*i),
            _ => None,
        })
    }

    /// Every text or keyword value of `name`.
    pub fn texts(&self, name: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter_map(|(n, v)| match v {
                Value::Text(t) if n == name => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The attributes of each group, in order (the operation attributes first).
    pub fn group_attributes(&self) -> Vec<&[(String, Value)]> {
        let mut ends = self.groups[1.min(self.groups.len())..].to_vec();
        ends.push(self.attributes.len());
        self.groups
            .iter()
            .zip(ends)
            .map(|(&from, to)| &self.attributes[from..to])
            .collect()
    }

    /// 0x0000-0x00FF: successful (RFC 8011 4.1.6).
    pub fn ok(&self) -> bool {
        self.status < 0x0100
    }
}

/// Reads an IPP answer (after the HTTP headers).
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, String> {
    let short = || "the IPP answer is cut short".to_owned();
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let part = bytes.get(at..at + n).ok_or_else(short)?;
        at += n;
        Ok(part)
    };
    let head = take(8)?;
    let mut answer = Answer {
        status: u16::from_be_bytes([head[2], head[3]]),
        ..Answer::default()
    };
    let mut last_name = String::new();
    loop {
        let tag = take(1)?[0];
        if tag == END_OF_ATTRIBUTES {
            return Ok(answer);
        }
        if tag <= 0x0F {
            answer.groups.push(answer.attributes.len()); // the next group begins
            continue;
        }
        let len = u16::from_be_bytes(take(2)?.try_into().unwrap()) as usize;
        let name = String::from_utf8_lossy(take(len)?).into_owned();
        let len = u16::from_be_bytes(take(2)?.try_into().unwrap()) as usize;
        let value = take(len)?;
        if !name.is_empty() {
            last_name = name;
        }
        let value = match tag {
            INTEGER | ENUM if len == 4 => {
                Value::Integer(i32::from_be_bytes(value.try_into().unwrap()))
            }
            TEXT | NAME | KEYWORD | URI | CHARSET | LANGUAGE | MIME_TYPE => {
                Value::Text(String::from_utf8_lossy(value).into_owned())
            }
            _ => continue,
        };
        answer.attributes.push((last_name.clone(), value));
    }
}

/// Why an exchange failed, and whether the server may have acted on the request anyway:
/// `delivered` once the whole request was sent (its answer was lost), so a Print-Job may
/// have queued the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub delivered: bool,
    pub message: String,
}

impl From<Failure> for String {
    fn from(f: Failure) -> String {
        f.message
    }
}

/// Sends one request (`body`, then the document when given) and reads the answer.
fn exchange(
    server: &str,
    path: &str,
    body: &[u8],
    document: Option<&Path>,
) -> Result<Answer, Failure> {
    let not_sent = |message: String| Failure {
        delivered: false,
        message,
    };
    let unanswered = |message: String| Failure {
        delivered: true,
        message,
    };
    let mut file = match document {
        Some(p) => {
            Some(std::fs::File::open(p).map_err(|e| not_sent(format!("{}: {e}", p.display())))?)
        }
        None => None,
    };
    let document_len = match &file {
        Some(f) => f.metadata().map_err(|e| not_sent(e.to_string()))?.len(),
        None => 0,
    };
    let mut stream = connect(server).map_err(|e| not_sent(format!("{server}: {e}")))?;
    stream
        .set_read_timeout(Some(ANSWER_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
        .map_err(|e| not_sent(e.to_string()))?;
    let head = format!(
        "POST {path} HTTP/1.0\r\nHost: {server}\r\nContent-Type: application/ipp\r\n\
         Content-Length: {}\r\n\r\n",
        body.len() as u64 + document_len
    );
    let sent = (|| -> std::io::Result<()> {
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        if let Some(f) = file.as_mut() {
            std::io::copy(f, &mut stream)?;
        }
        stream.flush()
    })();
    sent.map_err(|e| not_sent(format!("{server}: sending: {e}")))?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .map_err(|e| unanswered(format!("{server}: {e}")))?;
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        // The HTTP layer refused the request: IPP never saw it.
        return Err(not_sent(format!("{server}: HTTP {}", status_line.trim())));
    }
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| unanswered(e.to_string()))?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .map_err(|e| unanswered(format!("{server}: {e}")))?;
    parse_answer(&rest).map_err(unanswered)
}

/// A connection to `server` (`host:port`), each of its addresses tried in turn within
/// [`CONNECT_TIMEOUT`].
fn connect(server: &str) -> std::io::Result<TcpStream> {
    let mut last = None;
    for address in server.to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no address for the server")
    }))
}

/// `ipp://server/printers/QUEUE`.
pub fn printer_uri(server: &str, queue: &str) -> String {
    format!("ipp://{server}/printers/{queue}")
}

/// Print-Job: `pdf` as one `application/pdf` job named `title`; the job's number. A
/// refusal is not [`Failure::delivered`]; a lost answer is (the job may be queued).
pub fn print_job(server: &str, queue: &str, title: &str, pdf: &Path) -> Result<i32, Failure> {
    let mut request = Request::new(PRINT_JOB, &printer_uri(server, queue));
    request.attribute(NAME, "job-name", title.as_bytes());
    request.attribute(MIME_TYPE, "document-format", b"application/pdf");
    let answer = exchange(
        server,
        &format!("/printers/{queue}"),
        &request.end(),
        Some(pdf),
    )?;
    if !answer.ok() {
        return Err(Failure {
            delivered: false,
            message: refusal(&answer),
        });
    }
    answer.integer("job-id").ok_or_else(|| Failure {
        delivered: true,
        message: "the server gave no job-id".to_owned(),
    })
}

/// The job's state as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    /// `job-state`: 3 pending, 4 held, 5 processing, 6 stopped, 7 canceled, 8 aborted,
    /// 9 completed.
    pub state: i32,
    pub reasons: Vec<String>,
    pub message: String,
}

/// Get-Job-Attributes for job `id` of `queue`.
pub fn job_state(server: &str, queue: &str, id: i32) -> Result<JobState, String> {
    let mut request = Request::new(GET_JOB_ATTRIBUTES, &printer_uri(server, queue));
    request.attribute(INTEGER, "job-id", &id.to_be_bytes());
    request.attribute(KEYWORD, "requested-attributes", b"job-state");
    request.attribute(KEYWORD, "", b"job-state-reasons");
    request.attribute(KEYWORD, "", b"job-state-message");
    let answer = exchange(server, "/jobs/", &request.end(), None)?;
    if !answer.ok() {
        return Err(refusal(&answer));
    }
    Ok(JobState {
        state: answer
            .integer("job-state")
            .ok_or_else(|| "the server gave no job-state".to_owned())?,
        reasons: answer
            .texts("job-state-reasons")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        message: answer.texts("job-state-message").join(" "),
    })
}

/// Get-Jobs for `queue`: this helpdesk's own jobs (`my-jobs`, by its user name), ended
/// ones included (CUPS keeps them while it keeps the job history): each job's number and
/// name. A job listed without its name (a server that hides job names) is an error: the
/// list could not tell whether a job is there.
pub fn jobs(server: &str, queue: &str) -> Result<Vec<(i32, String)>, String> {
    let mut request = Request::new(GET_JOBS, &printer_uri(server, queue));
    request.attribute(BOOLEAN, "my-jobs", &[1]);
    request.attribute(KEYWORD, "which-jobs", b"all");
    request.attribute(KEYWORD, "requested-attributes", b"job-id");
    request.attribute(KEYWORD, "", b"job-name");
    let answer = exchange(server, &format!("/printers/{queue}"), &request.end(), None)?;
    if !answer.ok() {
        return Err(refusal(&answer));
    }
    let mut jobs = Vec::new();
    // The first group holds the operation's own attributes.
    for group in answer.group_attributes().into_iter().skip(1) {
        let number = group.iter().find_map(|(n, v)| match v {
            Value::Integer(i) if n == "job-id" => Some(*i),
            _ => None,
        });
        let name = group.iter().find_map(|(n, v)| match v {
            Value::Text(t) if n == "job-name" => Some(t.clone()),
            _ => None,
        });
        match (number, name) {
            (Some(number), Some(name)) => jobs.push((number, name)),
            (Some(number), None) => {
                return Err(format!("{server}: job {number} is listed without its name"))
            }
            (None, _) => {}
        }
    }
    Ok(jobs)
}

/// The queue's state (Get-Printer-Attributes): `printer-state` (3 idle, 4 processing,
/// 5 stopped) with its reasons and message in `reasons` and `message`.
pub fn printer_state(server: &str, queue: &str) -> Result<JobState, String> {
    let mut request = Request::new(GET_PRINTER_ATTRIBUTES, &printer_uri(server, queue));
    request.attribute(KEYWORD, "requested-attributes", b"printer-state");
    request.attribute(KEYWORD, "", b"printer-state-reasons");
    request.attribute(KEYWORD, "", b"printer-state-message");
    let answer = exchange(server, &format!("/printers/{queue}"), &request.end(), None)?;
    if !answer.ok() {
        return Err(refusal(&answer));
    }
    Ok(JobState {
        state: answer
            .integer("printer-state")
            .ok_or_else(|| "the server gave no printer-state".to_owned())?,
        reasons: answer
            .texts("printer-state-reasons")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        message: answer.texts("printer-state-message").join(" "),
    })
}

fn refusal(answer: &Answer) -> String {
    let message = answer.texts("status-message").join(" ");
    format!("IPP status 0x{:04x} {message}", answer.status)
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_with_groups_and_further_values_is_read() {
        let mut r = Request::new(GET_JOB_ATTRIBUTES, "ipp://h/printers/q");
        r.body.push(0x02); // job group
        r.attribute(ENUM, "job-state", &9i32.to_be_bytes());
        r.attribute(KEYWORD, "job-state-reasons", b"job-completed-successfully");
        r.attribute(KEYWORD, "", b"other");
        let mut bytes = r.end();
        bytes[2..4].copy_from_slice(&0x0400u16.to_be_bytes());
        let answer = parse_answer(&bytes).unwrap();
        assert_eq!(answer.status, 0x0400);
        assert!(!answer.ok());
        assert_eq!(answer.integer("job-state"), Some(9));
        assert_eq!(
            answer.texts("job-state-reasons"),
            ["job-completed-successfully", "other"]
        );
        assert_eq!(answer.texts("printer-uri"), ["ipp://h/printers/q"]);
        let groups = answer.group_attributes();
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[1].len(), 3);
        // Cut short: an error, not a panic.
        assert!(parse_answer(&bytes[..bytes.len() - 3]).is_err());
    }
}
