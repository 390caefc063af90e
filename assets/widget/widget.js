/*
 * madoguchi portal widget.
 *
 * One tag on any portal page:  <script src="https://<helpdesk>/widget.js"></script>
 *
 * It adds a chat button and panel inside a shadow root (so the page's CSS and the widget's
 * CSS never meet) and talks to the helpdesk's chat API on the origin it was loaded from.
 * It works under a strict Content-Security-Policy: no inline script or style, no eval, no
 * style attributes; the stylesheet is a <link> to <helpdesk>/widget.css inside the shadow
 * root. Plain modern JavaScript for Edge and Chrome, no build step.
 */
(() => {
  'use strict';

  // A page that includes the tag twice gets one widget.
  if (window.madoguchiWidget) return;

  const script =
    document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || !script.src) return;

  // Everything is relative to where widget.js came from, so a helpdesk behind a path
  // prefix (https://host/madoguchi/widget.js) works as well as one at the root.
  const BASE = new URL('./', script.src);
  const CHAT_URL = new URL('api/v1/chat', BASE).href;
  const CSS_URL = new URL('widget.css', BASE).href;
  // Cookies or Windows authentication towards the helpdesk only when the portal asks.
  const CREDENTIALS = script.dataset.credentials === 'include' ? 'include' : 'same-origin';

  const STORAGE_KEY = 'madoguchi.conversation';
  const POLL_VISIBLE_MS = 5000;
  const POLL_HIDDEN_MS = 30000;
  const REQUEST_TIMEOUT_MS = 20000;
  const RETRY_DELAY_MS = 800;
  const MAX_TEXT = 2000;

  const TEXT = {
    launcher: 'ヘルプデスクに質問',
    launcherUnread: 'ヘルプデスクに質問（新しい返信があります）',
    unread: '新着',
    title: 'ITヘルプデスク（窓口）',
    close: '閉じる',
    notice:
      'このチャットは自動応答ボットがお答えします。氏名・職員番号・パスワードなどの個人情報は、求められた場合を除き入力しないでください。',
    log: '会話の履歴',
    inputLabel: '質問を入力',
    inputHint: 'Enterキーで送信、Shift+Enterキーで改行します。',
    send: '送信',
    choices: '選択肢',
    you: 'あなた',
    bot: '自動応答',
    operator: '担当者',
    system: 'お知らせ',
    pending: '回答を準備しています…',
    sendError: '送信できませんでした。もう一度お試しください。',
    required: '必須',
    optional: '任意',
    example: '例',
    choose: '選んでください',
    periodFrom: '開始日',
    periodTo: '終了日',
    formHint: '入力したらEnterキーで送信します。Tabキーで項目を移動します。',
    submitRequest: '申請する',
    submitLoan: '予約を申請する',
    cancelForm: 'やめる',
    formError: '入力に誤りがあります。各項目の説明を確かめてください。',
    receipt: '受付番号',
    loanTitle: '貸出の予約',
    loanItem: '借りるもの',
    loanQuantity: '数量',
    loanFrom: '受け取り（開始）',
    loanTo: '返却（終了）',
    loanDate: '日付',
    loanTime: '時刻',
    loanPurpose: '用途',
    loanHours: '受け取り・返却は開庁時間内（平日 {open}〜{close}）です。時刻を空けると開庁・閉庁の時刻になります。',
    availability: '空き状況',
    checking: '空きを確かめています…',
    useAlternative: 'この日程にする',
  };

  // --- state ----------------------------------------------------------------------

  let conversation = storageGet();
  let cursor = 0; // highest message id fetched with GET; polls ask for ids after it
  const seen = new Set(); // message ids already shown
  const unconfirmed = []; // staff messages shown locally, not yet seen from the server
  let choiceLabels = new Map(); // value -> label of the latest choices, to show staff replies
  let restoring = Boolean(conversation); // the first fetch after a reload is history, not news
  let busy = false;
  let polling = false;
  let pollTimer = null;

  // --- DOM ------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'text') node.textContent = value;
      else if (name === 'class') node.className = value;
      else if (value === true) node.setAttribute(name, '');
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  const host = el('madoguchi-widget', { 'data-madoguchi': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  const stylesheet = el('link', { rel: 'stylesheet', href: CSS_URL });

  const launcherLabel = el('span', { class: 'launcher-label', text: TEXT.launcher });
  const badge = el('span', { class: 'badge', 'aria-hidden': 'true', text: TEXT.unread, hidden: true });
  const launcher = el(
    'button',
    {
      type: 'button',
      class: 'launcher',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': 'mw-panel',
    },
    [el('span', { class: 'launcher-icon', 'aria-hidden': 'true', text: '?' }), launcherLabel, badge],
  );

  const closeButton = el('button', { type: 'button', class: 'close', text: TEXT.close });
  const log = el('div', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-label': TEXT.log,
    tabindex: '0',
  });
  const pendingNote = el('p', { class: 'pending', 'aria-hidden': 'true', text: TEXT.pending, hidden: true });
  const input = el('textarea', {
    id: 'mw-input',
    class: 'input',
    rows: '2',
    maxlength: String(MAX_TEXT),
    autocomplete: 'off',
    'aria-describedby': 'mw-hint',
  });
  const sendButton = el('button', { type: 'button', class: 'send', text: TEXT.send });
  // Where a request's or a loan's form replaces the input while it is open.
  const formArea = el('div', { class: 'form-area', hidden: true });
  const panel = el(
    'section',
    {
      id: 'mw-panel',
      class: 'panel',
      role: 'dialog',
      'aria-modal': 'false',
      'aria-labelledby': 'mw-title',
      'aria-describedby': 'mw-notice',
      hidden: true,
    },
    [
      el('div', { class: 'header' }, [
        el('h2', { id: 'mw-title', class: 'title', text: TEXT.title }),
        closeButton,
      ]),
      el('p', { id: 'mw-notice', class: 'notice', text: TEXT.notice }),
      log,
      pendingNote,
      formArea,
      el('div', { class: 'compose' }, [
        el('label', { for: 'mw-input', class: 'input-label', text: TEXT.inputLabel }),
        el('div', { class: 'compose-row' }, [input, sendButton]),
        el('p', { id: 'mw-hint', class: 'hint', text: TEXT.inputHint }),
      ]),
    ],
  );
  // Hidden until the stylesheet has loaded, so the page never shows it unstyled.
  const root = el('div', { class: 'root', lang: 'ja', hidden: true }, [launcher, panel]);
  const reveal = () => root.removeAttribute('hidden');
  stylesheet.addEventListener('load', reveal);
  stylesheet.addEventListener('error', () => {
    // Blocked by the portal's CSP or unreachable: still usable, just plain.
    console.warn('madoguchi: could not load ' + CSS_URL);
    reveal();
  });
  shadow.append(stylesheet, root);

  // --- opening and closing --------------------------------------------------------

  function isOpen() {
    return !panel.hidden;
  }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(false);
    scrollToLatest();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  function setUnread(unread) {
    badge.hidden = !unread;
    launcher.setAttribute('aria-label', unread ? TEXT.launcherUnread : TEXT.launcher);
  }

  launcher.addEventListener('click', open);
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.isComposing) {
      event.preventDefault();
      close();
    }
  });

  // --- messages -------------------------------------------------------------------

  /**
   * Shows the newest message: all of it when it fits, else its beginning (a long answer
   * is read from the top; the choices under it are reached with Tab).
   */
  function scrollToLatest() {
    const latest = log.lastElementChild;
    if (latest && latest.offsetHeight > log.clientHeight) {
      log.scrollTop = latest.offsetTop - 8; // the gap above it, as between messages
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function authorLabel(message) {
    switch (message.author) {
      case 'bot':
        return TEXT.bot;
      case 'operator':
        return message.author_name ? `${TEXT.operator}（${message.author_name}）` : TEXT.operator;
      case 'staff':
        return TEXT.you;
      default:
        return TEXT.system;
    }
  }

  function messageBody(message) {
    const body = el('div', { class: 'body' });
    if (typeof message.html === 'string' && message.html !== '') {
      // The server sanitises `html`; it is the only markup the widget ever inserts.
      body.innerHTML = message.html;
      body.classList.add('body-html');
      for (const link of body.querySelectorAll('a[href]')) {
        // Relative links point at the helpdesk, not at the portal page.
        try {
          link.href = new URL(link.getAttribute('href'), BASE).href;
        } catch {
          link.removeAttribute('href');
        }
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
      }
    } else {
      body.textContent = message.text || '';
    }
    return body;
  }

  function appendBubble(author, label, body) {
    const kind = ['bot', 'operator', 'staff'].includes(author) ? author : 'system';
    const bubble = el('div', { class: `message message-${kind}` }, [
      el('p', { class: kind === 'staff' ? 'author visually-hidden' : 'author', text: label }),
      body,
    ]);
    log.append(bubble);
    return bubble;
  }

  /** Shows a message from the server once, whether it came from POST or GET. */
  function showMessage(message) {
    if (message == null || message.id == null || seen.has(message.id)) return;
    seen.add(message.id);
    if (message.author === 'staff') {
      // Our own message, already on screen since we sent it.
      const index = unconfirmed.findIndex((local) => local.text === message.text);
      if (index >= 0) {
        unconfirmed.splice(index, 1);
        return;
      }
      disableChoices();
      // A choice comes back as its value ("1"); show its label, as when it was clicked.
      const shown = choiceLabels.get(message.text);
      if (shown) message = { ...message, text: shown, html: null };
    }
    const bubble = appendBubble(message.author, authorLabel(message), messageBody(message));
    const choices = Array.isArray(message.choices) ? message.choices : [];
    if (message.author !== 'staff') {
      choiceLabels = new Map(choices.map((c) => [String(c.value), String(c.label)]));
    }
    if (choices.length > 0) {
      const group = el('div', { class: 'choices', role: 'group', 'aria-label': TEXT.choices });
      for (const choice of choices) {
        const button = el('button', { type: 'button', class: 'choice', text: choice.label });
        button.addEventListener('click', () => {
          // Focus leaves the button before it is disabled, so it is not lost to the page.
          input.focus();
          send(String(choice.value), String(choice.label));
        });
        group.append(button);
      }
      bubble.append(group);
    }
    if (message.author !== 'staff' && !isOpen() && !restoring) setUnread(true);
    scrollToLatest();
  }

  /** Old choices stop working once something newer has been asked; returns what it disabled. */
  function disableChoices() {
    const buttons = Array.from(log.querySelectorAll('button.choice:not([disabled])'));
    for (const button of buttons) button.disabled = true;
    return buttons;
  }

  function showError(detail) {
    const text = detail ? `${TEXT.sendError}（${detail}）` : TEXT.sendError;
    const body = el('div', { class: 'body', text });
    appendBubble('system', TEXT.system, body).classList.add('message-error');
    scrollToLatest();
  }

  // --- talking to the helpdesk ----------------------------------------------------

  function storageGet() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null; // storage disabled: the conversation lasts as long as the page
    }
  }

  function remember(token) {
    conversation = token;
    try {
      if (token) window.sessionStorage.setItem(STORAGE_KEY, token);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // see storageGet
    }
  }

  function newMessageId() {
    const crypto = window.crypto;
    // randomUUID exists only in secure contexts; an http:// portal still has getRandomValues.
    if (crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    if (crypto && typeof crypto.getRandomValues === 'function') {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }

  function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** fetch with a timeout; rejects on network errors and timeouts only. */
  async function request(url, init) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(url, {
        ...init,
        mode: 'cors',
        credentials: CREDENTIALS,
        cache: 'no-store',
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async function errorDetail(response) {
    try {
      const body = await response.json();
      const message = body && body.error && body.error.message;
      return typeof message === 'string' ? message : null;
    } catch {
      return null;
    }
  }

  /**
   * POSTs one message. A network error or a gateway error is retried once with the SAME
   * message_id, so the helpdesk answers it only once; an unknown conversation (expired on
   * the server) starts a new one.
   */
  async function postMessage(text, messageId) {
    let retried = false;
    let token = conversation;
    for (;;) {
      const payload = { message_id: messageId, text };
      if (token) payload.conversation = token;
      let response;
      try {
        response = await request(CHAT_URL, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(payload),
        });
      } catch {
        if (retried) throw new Error('network');
        retried = true;
        await delay(RETRY_DELAY_MS);
        continue;
      }
      if (response.ok) return response.json();
      if ([502, 503, 504].includes(response.status) && !retried) {
        retried = true;
        await delay(RETRY_DELAY_MS);
        continue;
      }
      if (response.status === 404 && token) {
        token = null;
        remember(null);
        continue;
      }
      const failure = new Error(`HTTP ${response.status}`);
      failure.detail = await errorDetail(response);
      throw failure;
    }
  }

  function setBusy(on) {
    busy = on;
    sendButton.setAttribute('aria-disabled', on ? 'true' : 'false');
    log.setAttribute('aria-busy', on ? 'true' : 'false');
    pendingNote.hidden = !on;
  }

  /** Sends `text`; `shown` is what the staff member sees in the log (a choice's label). */
  async function send(text, shown) {
    text = text.trim();
    if (busy || text === '') return;
    setBusy(true);
    const disabled = disableChoices();
    const local = { text };
    unconfirmed.push(local);
    const bubble = appendBubble('staff', TEXT.you, el('div', { class: 'body', text: shown || text }));
    scrollToLatest();
    try {
      const reply = await postMessage(text, newMessageId());
      if (reply && typeof reply.conversation === 'string') remember(reply.conversation);
      for (const message of (reply && reply.messages) || []) showMessage(message);
      if (reply && reply.form) openForm(reply.form);
      schedulePoll();
      return true;
    } catch (failure) {
      const index = unconfirmed.indexOf(local);
      if (index >= 0) {
        unconfirmed.splice(index, 1);
        bubble.remove();
      }
      for (const button of disabled) button.disabled = false;
      showError(failure.detail);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function sendTyped() {
    const typed = input.value;
    if (await send(typed)) {
      // Only clear what was sent: text typed while waiting stays.
      if (input.value === typed) input.value = '';
    }
  }

  sendButton.addEventListener('click', sendTyped);
  input.addEventListener('keydown', (event) => {
    // Enter while an IME is composing Japanese confirms the conversion; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    sendTyped();
  });

  // --- forms ----------------------------------------------------------------------
  //
  // While the conversation fills in a request (or asks for a loan), the chat's answers
  // say so (`form`), and the widget shows the whole form instead of one question at a
  // time. The helpdesk checks every field (the same rules as the chat's); its reasons are
  // shown next to their fields. Handing a form in needs no requester: the helpdesk knows
  // who is signed in.

  const compose = panel.querySelector('.compose');
  let activeForm = null; // { kind, node } of the form on screen
  let opening = false;
  let paused = false; // while やめる is on its way, a poll must not reopen the form

  function formUrl(path) {
    return `${CHAT_URL}/${encodeURIComponent(conversation)}/${path}`;
  }

  async function openForm(kind) {
    if (activeForm || opening || paused || !conversation) return;
    opening = true;
    try {
      const response = await request(formUrl('form'), {
        method: 'GET',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) return;
      const body = await response.json();
      const spec = body && body.form;
      if (!spec || spec.kind !== kind) return;
      const built = spec.kind === 'loan' ? loanForm(spec) : requestForm(spec);
      activeForm = { kind: spec.kind, node: built.form };
      formArea.replaceChildren(built.form);
      formArea.hidden = false;
      compose.hidden = true;
      disableChoices();
      if (isOpen()) built.first.focus();
    } catch {
      // The chat still works; the form shows with the next answer.
    } finally {
      opening = false;
    }
  }

  function closeForm() {
    activeForm = null;
    formArea.replaceChildren();
    formArea.hidden = true;
    compose.hidden = false;
    input.focus();
  }

  /** One labelled field: its controls, hint and error, wired for screen readers. */
  function fieldRow(id, label, required, hint, controls, grouped) {
    const base = `mw-f-${id}`;
    const hintNode = el('p', { id: `${base}-hint`, class: 'field-hint', text: hint });
    const error = el('p', { id: `${base}-error`, class: 'field-error', hidden: true });
    const mark = el('span', {
      class: required ? 'field-required' : 'field-optional',
      text: `（${required ? TEXT.required : TEXT.optional}）`,
    });
    const describe = (withError) =>
      withError ? `${base}-hint ${base}-error` : `${base}-hint`;
    let row;
    if (grouped) {
      row = el('fieldset', { class: 'field field-group', 'data-field': id }, [
        el('legend', { class: 'field-label' }, [label, mark]),
        hintNode,
        el('div', { class: 'field-controls' }, controls.map((c) => c.wrapper || c)),
        error,
      ]);
    } else {
      const control = controls[0];
      control.id = base;
      row = el('div', { class: 'field', 'data-field': id }, [
        el('label', { for: base, class: 'field-label' }, [label, mark]),
        hintNode,
        control.wrapper || control,
        error,
      ]);
    }
    const inputs = controls.map((c) => c.input || c);
    for (const node of inputs) node.setAttribute('aria-describedby', describe(false));
    return {
      row,
      first: inputs[0],
      setError(reason) {
        error.textContent = reason || '';
        error.hidden = !reason;
        for (const node of inputs) {
          node.setAttribute('aria-describedby', describe(Boolean(reason)));
          if (reason) node.setAttribute('aria-invalid', 'true');
          else node.removeAttribute('aria-invalid');
        }
      },
    };
  }

  function textInput(attrs) {
    return el('input', { type: 'text', class: 'field-input', autocomplete: 'off', ...attrs });
  }

  /** A labelled box for a control inside a group (one checkbox, one date of a period). */
  function labelled(node, text) {
    const id = `mw-c-${Math.random().toString(36).slice(2)}`;
    node.id = id;
    return {
      input: node,
      wrapper: el('span', { class: 'field-option' }, [node, el('label', { for: id, text })]),
    };
  }

  /** The controls for a request type's field, and how to read its answer. */
  function requestControls(field) {
    const value = field.value || '';
    switch (field.kind) {
      case 'choice': {
        const select = el('select', { class: 'field-input' }, [
          el('option', { value: '', text: TEXT.choose }),
          ...field.choices.map((c) => el('option', { value: c, text: c, selected: c === value })),
        ]);
        return { controls: [select], read: () => select.value };
      }
      case 'network': {
        const type = field.multiple ? 'checkbox' : 'radio';
        const boxes = field.choices.map((c) =>
          labelled(
            el('input', { type, name: `mw-f-${field.id}`, value: c, checked: value.includes(c) }),
            c,
          ),
        );
        const read = () => {
          const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
          return field.multiple ? chosen : chosen[0] || '';
        };
        return { controls: boxes, read, grouped: true };
      }
      case 'date':
        return dateControls(value);
      case 'period': {
        const [from, to] = value.split('〜');
        const first = labelled(el('input', { type: 'date', class: 'field-input', value: from || '' }), TEXT.periodFrom);
        const last = labelled(el('input', { type: 'date', class: 'field-input', value: to || '' }), TEXT.periodTo);
        const read = () => ({ from: first.input.value, to: last.input.value });
        return { controls: [first, last], read, grouped: true };
      }
      case 'number':
      case 'staff': {
        const box = textInput({ inputmode: 'numeric', value });
        if (field.unit) {
          box.wrapper = el('span', { class: 'field-unit' }, [box, el('span', { text: field.unit })]);
        }
        return { controls: [box], read: () => box.value };
      }
      default: {
        const box = textInput({ value, maxlength: String(field.max_chars || 200) });
        return { controls: [box], read: () => box.value };
      }
    }
  }

  function dateControls(value) {
    const box = el('input', { type: 'date', class: 'field-input', value });
    return { controls: [box], read: () => box.value };
  }

  /** The parts every form has: title, error summary, fields, 送信 and やめる. */
  function formShell(title, description, submitText) {
    const form = el('form', { class: 'mw-form', novalidate: true, 'aria-labelledby': 'mw-form-title' });
    const status = el('p', { class: 'form-status', role: 'alert', hidden: true });
    const fields = el('div', { class: 'form-fields' });
    const submit = el('button', { type: 'submit', class: 'form-submit', text: submitText });
    const cancel = el('button', { type: 'button', class: 'form-cancel', text: TEXT.cancelForm });
    form.append(
      el('h3', { id: 'mw-form-title', class: 'form-title', text: title }),
      ...(description ? [el('p', { class: 'form-description', text: description })] : []),
      el('p', { class: 'field-hint', text: TEXT.formHint }),
      status,
      fields,
      el('div', { class: 'form-actions' }, [submit, cancel]),
    );
    cancel.addEventListener('click', async () => {
      paused = true;
      closeForm();
      try {
        await send(TEXT.cancelForm);
      } finally {
        paused = false;
      }
    });
    const showStatus = (text) => {
      status.textContent = text || '';
      status.hidden = !text;
    };
    return { form, fields, submit, showStatus };
  }

  /**
   * Hands a form in (one retry with the same message_id on a network error). Reasons by
   * field go next to their fields and focus moves to the first; success closes the form.
   */
  function handIn(shell, rows, path, payload, onRefused) {
    let sending = false;
    const messageId = newMessageId();
    shell.form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (sending) return;
      sending = true;
      shell.submit.setAttribute('aria-disabled', 'true');
      for (const row of rows.values()) row.setError('');
      shell.showStatus('');
      try {
        const response = await postJson(formUrl(path), { message_id: messageId, ...payload() });
        const body = await response.json().catch(() => null);
        if (response.ok) {
          closeForm();
          for (const message of (body && body.messages) || []) showMessage(message);
          if (body && body.number) {
            const note = el('div', { class: 'body', text: `${TEXT.receipt}：${body.number}` });
            appendBubble('system', TEXT.system, note).classList.add('message-receipt');
            scrollToLatest();
          }
          schedulePoll();
          return;
        }
        const error = (body && body.error) || {};
        let first = null;
        for (const [id, reason] of Object.entries(error.fields || {})) {
          const row = rows.get(id);
          if (row) {
            row.setError(reason);
          } else {
            shell.showStatus(reason);
          }
        }
        for (const row of rows.values()) {
          if (!first && row.first.getAttribute('aria-invalid') === 'true') first = row.first;
        }
        if (first) {
          shell.showStatus(TEXT.formError);
          first.focus();
          if (first.type === 'text') first.select();
        } else {
          shell.showStatus(error.message || TEXT.sendError);
          if (onRefused) onRefused(error);
        }
      } catch {
        shell.showStatus(TEXT.sendError);
      } finally {
        sending = false;
        shell.submit.setAttribute('aria-disabled', 'false');
      }
    });
  }

  /** POSTs JSON; a network or gateway error is retried once with the same body. */
  async function postJson(url, payload) {
    let retried = false;
    for (;;) {
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(payload),
        });
        if (![502, 503, 504].includes(response.status) || retried) return response;
      } catch (failure) {
        if (retried) throw failure;
      }
      retried = true;
      await delay(RETRY_DELAY_MS);
    }
  }

  function requestForm(spec) {
    const shell = formShell(spec.name, spec.description, TEXT.submitRequest);
    const rows = new Map();
    const readers = [];
    for (const field of spec.fields) {
      const { controls, read, grouped } = requestControls(field);
      const hint = `${field.question}（${TEXT.example}：${field.example}）`;
      const row = fieldRow(field.id, field.label, field.required, hint, controls, grouped);
      rows.set(field.id, row);
      readers.push([field.id, read]);
      shell.fields.append(row.row);
    }
    const payload = () => ({ fields: Object.fromEntries(readers.map(([id, read]) => [id, read()])) });
    handIn(shell, rows, 'request', payload);
    return { form: shell.form, first: rows.values().next().value.first };
  }

  function loanForm(spec) {
    const values = spec.values || {};
    const shell = formShell(TEXT.loanTitle, '', TEXT.submitLoan);
    const rows = new Map();
    const item = el('select', { class: 'field-input' }, [
      el('option', { value: '', text: TEXT.choose }),
      ...spec.items.map((i) =>
        el('option', { value: i.id, text: `${i.name}（${i.quantity}）`, selected: i.id === values.item }),
      ),
    ]);
    const quantity = textInput({ inputmode: 'numeric', value: values.quantity || '' });
    const timed = (date, time) => [
      labelled(el('input', { type: 'date', class: 'field-input', value: date || '' }), TEXT.loanDate),
      labelled(el('input', { type: 'time', class: 'field-input loan-time', value: time || '' }), TEXT.loanTime),
    ];
    const from = timed(values.from_date, values.from_time);
    const to = timed(values.to_date, values.to_time);
    const purpose = textInput({ maxlength: '200', value: values.purpose || '' });
    const hours = TEXT.loanHours.replace('{open}', spec.open).replace('{close}', spec.close);
    const add = (id, label, required, hint, controls, grouped) => {
      const row = fieldRow(id, label, required, hint, controls, grouped);
      rows.set(id, row);
      shell.fields.append(row.row);
    };
    add('item', TEXT.loanItem, true, '', [item]);
    add('quantity', TEXT.loanQuantity, true, `${TEXT.example}：3`, [quantity]);
    add('from', TEXT.loanFrom, true, hours, from, true);
    add('to', TEXT.loanTo, true, '', to, true);
    add('purpose', TEXT.loanPurpose, true, `${TEXT.example}：新規採用職員研修`, [purpose]);

    const status = el('p', { class: 'availability-text' });
    const useAlternative = el('button', { type: 'button', class: 'use-alternative', text: TEXT.useAlternative, hidden: true });
    const availability = el('div', { class: 'availability', role: 'status', 'aria-live': 'polite', 'aria-label': TEXT.availability }, [status, useAlternative]);
    shell.fields.after(availability);

    const current = () => ({
      item: item.value,
      quantity: quantity.value,
      from_date: from[0].input.value,
      from_time: from[1].input.value,
      to_date: to[0].input.value,
      to_time: to[1].input.value,
      purpose: purpose.value,
    });
    const showTimes = () => {
      const chosen = spec.items.find((i) => i.id === item.value);
      for (const part of [from[1], to[1]]) part.wrapper.hidden = Boolean(chosen && chosen.by_day);
    };
    let alternative = null;
    let asked = 0;
    const check = async () => {
      const values = current();
      if (!values.item || !values.quantity || !values.from_date || !values.to_date) return;
      const ask = ++asked;
      status.textContent = TEXT.checking;
      useAlternative.hidden = true;
      try {
        const query = new URLSearchParams({ ...values, purpose: '' });
        const response = await request(`${formUrl('availability')}?${query}`, {
          method: 'GET',
          headers: { Accept: 'application/json' },
        });
        const body = await response.json().catch(() => null);
        if (ask !== asked) return;
        if (response.ok && body) {
          status.textContent = body.message;
          alternative = body.alternative || null;
          useAlternative.hidden = !alternative;
        } else {
          const error = (body && body.error) || {};
          const reasons = Object.values(error.fields || {});
          status.textContent = reasons.length ? reasons.join(' ') : error.message || '';
        }
      } catch {
        if (ask === asked) status.textContent = '';
      }
    };
    for (const node of [item, quantity, from[0].input, from[1].input, to[0].input, to[1].input]) {
      node.addEventListener('change', check);
    }
    item.addEventListener('change', showTimes);
    useAlternative.addEventListener('click', () => {
      if (!alternative) return;
      from[0].input.value = alternative.from_date;
      from[1].input.value = alternative.from_time;
      to[0].input.value = alternative.to_date;
      to[1].input.value = alternative.to_time;
      from[0].input.focus();
      check();
    });
    showTimes();
    check();
    handIn(shell, rows, 'reservation', current, () => check());
    return { form: shell.form, first: item };
  }

  // --- polling for operator replies -----------------------------------------------

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (!conversation) return;
    const wait = document.visibilityState === 'visible' ? POLL_VISIBLE_MS : POLL_HIDDEN_MS;
    pollTimer = setTimeout(poll, wait);
  }

  /** Fetches messages after `cursor`; with cursor 0 it restores the transcript. */
  async function poll() {
    if (!conversation) return;
    if (polling) return schedulePoll();
    polling = true;
    const token = conversation;
    try {
      const url = `${CHAT_URL}/${encodeURIComponent(token)}/messages?after=${cursor}`;
      const response = await request(url, { method: 'GET', headers: { Accept: 'application/json' } });
      if (response.status === 404 && conversation === token) {
        remember(null); // expired on the server: the next message starts a new conversation
      } else if (response.ok) {
        const body = await response.json();
        for (const message of (body && body.messages) || []) {
          showMessage(message);
          if (typeof message.id === 'number' && message.id > cursor) cursor = message.id;
        }
        if (body && body.form) openForm(body.form);
        restoring = false;
      }
    } catch {
      // Offline for a moment: the next poll tries again.
    } finally {
      polling = false;
      schedulePoll();
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (!conversation) return;
    if (document.visibilityState === 'visible') poll();
    else schedulePoll();
  });

  // --- start ----------------------------------------------------------------------

  function mount() {
    document.body.append(host);
    if (conversation) poll();
  }

  window.madoguchiWidget = { open, close };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
})();
