// The review page: sign in with a reviewer API key, work the queue with the keyboard.
// State and keyboard live here; the views are in review-views.js, the pure helpers in review-model.js.
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, session } from './review-api.js';
import { collectSpans, concerns, parseAmount, relocate, toChanges } from './review-model.js';
import { ExtractionTable, HelpOverlay, html, NoteView, QueuePanel } from './review-views.js';

const CLAIM_RENEW_MS = 4 * 60 * 1000;
const SECTION_ROW = /^\/(medications|diagnoses|symptoms|labs|followUps)\/\d+(\/|$)|^\/patient(\/|$)/;

function SignIn({ message, onSignIn }) {
  const [key, setKey] = useState('');
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (e) => {
    e.preventDefault();
    if (key.trim()) onSignIn(key.trim());
  };
  return html`<main class="signin">
    <form onSubmit=${submit} autocomplete="off">
      <h1>Clinex review</h1>
      <p class="muted">
        Sign in with your reviewer API key. It is kept in this tab only and sent as an Authorization header.
      </p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        ref=${input}
        type="password"
        value=${key}
        onInput=${(e) => setKey(e.target.value)}
        spellcheck=${false}
      />
      <button type="submit" id="sign-in">Sign in</button>
      ${message ? html`<p class="banner banner-error" role="alert">${message}</p>` : null}
    </form>
  </main>`;
}

const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A reviewer's typed text as the value the field takes; `valid: false` keeps it from being saved. */
function readEdit(kind, raw, original, noteText) {
  switch (kind) {
    case 'amount': {
      const value = parseAmount(raw);
      return { value: value === undefined ? original : value, valid: value !== undefined };
    }
    case 'number': {
      const text = raw.trim();
      const value = text === '' ? null : Number(text);
      return { value, valid: value === null || Number.isFinite(value) };
    }
    case 'text':
      return { value: raw.trim() === '' ? null : raw.trim(), valid: true };
    case 'code':
      return { value: raw === '' ? null : raw, valid: true };
    case 'boolean':
      return { value: raw === 'true', valid: true };
    case 'mention':
      return { value: relocate(noteText, original, raw), valid: raw.trim() !== '' };
    default:
      return { value: raw, valid: true };
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session.key()));
  const [signInMessage, setSignInMessage] = useState('');
  const [queue, setQueue] = useState(null);
  const [filters, setFilters] = useState({});
  const [item, setItem] = useState(null);
  const [claim, setClaim] = useState(null); // 'mine' | 'taken' | null
  const [edits, setEdits] = useState(new Map());
  const [removed, setRemoved] = useState(new Set());
  const [editing, setEditing] = useState(false);
  const [snapshot, setSnapshot] = useState(null);
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState([]);
  const [banner, setBanner] = useState(null);
  const [help, setHelp] = useState(false);
  const [activePath, setActivePath] = useState(null);
  const [busy, setBusy] = useState(false);
  const commentInput = useRef(null);

  const dirty = edits.size > 0 || removed.size > 0;
  const say = (kind, text) => setBanner({ kind, text });

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      session.signOut();
      setSignedIn(false);
      setSignInMessage('Your API key was not accepted. Sign in again.');
      return;
    }
    say('error', error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
  }

  function resetItemState() {
    setEdits(new Map());
    setRemoved(new Set());
    setEditing(false);
    setSnapshot(null);
    setComment('');
    setErrors([]);
    setActivePath(null);
  }

  async function loadQueue(activeFilters = filters) {
    const next = await api.queue(activeFilters);
    setQueue(next);
    return next;
  }

  async function open(id) {
    if (item && claim === 'mine' && item.id !== id) await api.release(item.id).catch(() => undefined);
    resetItemState();
    let claimed = 'mine';
    try {
      await api.claim(id);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'REVIEW_ITEM_CLAIMED') throw error;
      claimed = 'taken';
    }
    const detail = await api.item(id);
    setItem({ ...detail, spans: collectSpans(detail.extraction) });
    setClaim(claimed);
    if (claimed === 'taken') say('warning', 'Another reviewer is working on this item: it is read-only for you.');
  }

  /** Opens the first item from `index` in `step` direction that nobody else holds. */
  async function openFrom(list, index, step = 1) {
    const items = list?.items ?? [];
    for (let i = index; i >= 0 && i < items.length; i += step) {
      if (!items[i].claim || items[i].claim.mine) return open(items[i].id);
    }
    if (step > 0 && index > 0) return openFrom(list, index - 1, -1);
    setItem(null);
    setClaim(null);
    resetItemState();
  }

  const indexOfCurrent = () => (queue?.items ?? []).findIndex((i) => i.id === item?.id);

  function guardDirty() {
    if (!dirty) return false;
    say('warning', 'You have unsaved edits: a saves them as a correction, u undoes them.');
    return true;
  }

  async function run(task) {
    if (busy) return;
    setBusy(true);
    try {
      await task();
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  const move = (step) =>
    run(async () => {
      if (guardDirty() || !queue) return;
      const from = indexOfCurrent() + step;
      if (from < 0 || from >= queue.items.length)
        return say('info', step > 0 ? 'End of the queue.' : 'Start of the queue.');
      await openFrom(queue, from, step);
      setBanner(null);
    });

  const decide = (kind) =>
    run(async () => {
      if (!item || claim !== 'mine') return;
      if (editing) finishEditing(true);
      let body;
      if (kind === 'accept' && dirty) {
        const invalid = [...edits.entries()].filter(([, e]) => !e.valid);
        if (invalid.length > 0) return say('error', 'Some edited values are not valid numbers; fix or undo them (u).');
        const values = new Map([...edits].map(([path, e]) => [path, e.value]));
        body = { decision: 'correct', changes: toChanges(values, removed) };
      } else {
        body = { decision: kind };
      }
      if (comment.trim()) body.comment = comment.trim();
      const position = indexOfCurrent();
      try {
        await api.decide(item.id, body);
      } catch (error) {
        if (error instanceof ApiError && error.code.startsWith('CORRECTION_')) {
          setErrors(error.errors);
          return say('error', `Not saved: ${error.message}`);
        }
        if (error instanceof ApiError && ['REVIEW_ITEM_CLAIMED', 'REVIEW_ITEM_NOT_PENDING'].includes(error.code)) {
          say('warning', error.message);
          const list = await loadQueue();
          return openFrom(list, Math.max(0, position));
        }
        throw error;
      }
      const what = { accept: 'Accepted', correct: 'Corrected', reject: 'Rejected' }[body.decision];
      say('success', `${what} ${item.externalId}.`);
      const list = await loadQueue();
      await openFrom(list, Math.max(0, position));
    });

  function startEditing() {
    if (!item || claim !== 'mine') return;
    setSnapshot({ edits, removed });
    setEditing(true);
  }

  function finishEditing(keep) {
    if (!keep && snapshot) {
      setEdits(snapshot.edits);
      setRemoved(snapshot.removed);
    }
    setEditing(false);
    setSnapshot(null);
    setActivePath(null);
  }

  function onEdit(path, raw, kind, original) {
    const { value, valid } = readEdit(kind, raw, original, item.noteText);
    const next = new Map(edits);
    if (valid && sameValue(value, original)) next.delete(path);
    else next.set(path, { raw, value, valid });
    setEdits(next);
    setErrors(errors.filter((e) => !concerns(e.path, path)));
  }

  function onRemove(index, remove) {
    const next = new Set(removed);
    if (remove) next.add(index);
    else next.delete(index);
    setRemoved(next);
  }

  // Edit mode puts the cursor on the first field a flag (or a refused change) is about, text selected for typing.
  useLayoutEffect(() => {
    if (!editing) return;
    const inputs = [...document.querySelectorAll('[data-edit-path]')];
    const problems = [...errors, ...(item?.flags ?? []).filter((f) => f.severity !== 'info')];
    const target =
      inputs.find((el) => problems.some((p) => concerns(p.path, el.dataset.editPath))) ?? inputs[0] ?? null;
    target?.focus();
    if (target instanceof HTMLInputElement && target.type === 'text') target.select();
  }, [editing]);

  const keyHandler = useRef(null);
  keyHandler.current = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (help) {
      if (e.key === 'Escape' || e.key === '?') {
        e.preventDefault();
        setHelp(false);
      }
      return;
    }
    const target = e.target;
    const typing = target instanceof HTMLElement && target.matches('input, select, textarea');
    // Enter and Esc finish a table edit or the comment; other fields (sign-in, filters) keep their own behaviour.
    if (typing && !target.matches('[data-edit-path], #comment')) return;
    if (typing) {
      if (e.key === 'Escape') {
        e.preventDefault();
        if (editing) finishEditing(false);
        target.blur();
      } else if (e.key === 'Enter' && target.type !== 'checkbox') {
        e.preventDefault();
        if (editing) finishEditing(true);
        target.blur();
      }
      return;
    }
    const actions = {
      a: () => decide('accept'),
      x: () => decide('reject'),
      e: startEditing,
      u: () => {
        resetItemState();
        say('info', 'Edits undone.');
      },
      c: () => commentInput.current?.focus(),
      j: () => move(1),
      k: () => move(-1),
      f: () => document.getElementById('filter-flagCode')?.focus(),
      r: () => run(async () => openFrom(await loadQueue(), Math.max(0, indexOfCurrent()))),
      '?': () => setHelp(true),
      Escape: () => setBanner(null),
    };
    const action = actions[e.key];
    if (!action || (!item && !['r', '?', 'f', 'Escape'].includes(e.key))) return;
    e.preventDefault();
    void action();
  };

  useEffect(() => {
    const listener = (e) => keyHandler.current?.(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  // First load after sign-in: the queue, then its first item.
  useEffect(() => {
    if (!signedIn) return;
    void run(async () => openFrom(await loadQueue(), 0));
  }, [signedIn]);

  // Keep the claim while the item is open; give it back when the tab goes away.
  useEffect(() => {
    if (!item || claim !== 'mine') return;
    const id = item.id;
    const timer = setInterval(() => void api.claim(id).catch(failed), CLAIM_RENEW_MS);
    const onExit = () => api.releaseOnExit(id);
    window.addEventListener('pagehide', onExit);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', onExit);
    };
  }, [item?.id, claim]);

  function signIn(key) {
    session.signIn(key);
    setSignInMessage('');
    setSignedIn(true);
  }

  function signOut() {
    if (item && claim === 'mine') api.releaseOnExit(item.id);
    session.signOut();
    setSignedIn(false);
    setQueue(null);
    setItem(null);
    setClaim(null);
    resetItemState();
  }

  function onFilter(name, value) {
    const next = { ...filters, [name]: value };
    setFilters(next);
    void run(async () => {
      if (guardDirty()) return;
      await openFrom(await loadQueue(next), 0);
    });
  }

  if (!signedIn) return html`<${SignIn} message=${signInMessage} onSignIn=${signIn} />`;

  const flags = item?.flags ?? [];
  const ctx = {
    editing,
    edits,
    removed,
    flags,
    errors,
    otherFlags: flags.filter((f) => !SECTION_ROW.test(f.path)),
    onEdit,
    onRemove,
    onFocusPath: setActivePath,
  };
  const changeCount = edits.size + removed.size;

  return html`<div class="layout">
    <header class="top">
      <h1>Clinex review</h1>
      <span class="muted">${busy ? 'working…' : ''}</span>
      <span class="spacer"></span>
      <button type="button" class="link" onClick=${() => setHelp(true)}>? keys</button>
      <button type="button" class="link" id="sign-out" onClick=${signOut}>Sign out</button>
    </header>
    <${QueuePanel}
      queue=${queue}
      currentId=${item?.id}
      filters=${filters}
      onFilter=${onFilter}
      onOpen=${(id) => run(async () => !guardDirty() && open(id))}
    />
    ${
      item
        ? html`<main class="work" id="review-item" data-id=${item.id}>
            <div class="item-head">
              <h2 id="item-title">${item.externalId}</h2>
              <span class="muted">
                ${item.engine.name} · ${item.engine.model} · v${item.engine.version}
                ${item.engine.promptVariant ? ` · prompt ${item.engine.promptVariant}` : ''}
              </span>
              <span class=${`claim claim-${claim}`}
                >${claim === 'mine' ? 'claimed by you' : 'with another reviewer'}</span
              >
            </div>
            ${banner ? html`<p class=${`banner banner-${banner.kind}`} role="status" id="banner">${banner.text}</p>` : null}
            <div class="panes">
              <${NoteView} item=${item} activePath=${activePath} />
              <section class="data" aria-label="Extraction">
                <${ExtractionTable} ctx=${ctx} extraction=${item.extraction} />
              </section>
            </div>
            <footer class="decision">
              <input
                id="comment"
                ref=${commentInput}
                type="text"
                placeholder="Comment (c)"
                value=${comment}
                onInput=${(e) => setComment(e.target.value)}
                maxlength="4000"
              />
              <span class="muted" id="pending"
                >${changeCount > 0 ? `${changeCount} change${changeCount > 1 ? 's' : ''} pending` : ''}
                ${editing ? ' · editing: Enter keeps, Esc undoes' : ''}</span
              >
              <button type="button" id="accept" disabled=${claim !== 'mine' || busy} onClick=${() => decide('accept')}>
                <kbd>a</kbd> ${changeCount > 0 ? 'Save correction' : 'Accept'}
              </button>
              <button type="button" id="edit" disabled=${claim !== 'mine'} onClick=${startEditing}>
                <kbd>e</kbd> Edit
              </button>
              <button
                type="button"
                id="reject"
                class="danger"
                disabled=${claim !== 'mine' || busy}
                onClick=${() => decide('reject')}
              >
                <kbd>x</kbd> Reject
              </button>
            </footer>
          </main>`
        : html`<main class="work empty-queue">
            ${banner ? html`<p class=${`banner banner-${banner.kind}`} role="status" id="banner">${banner.text}</p>` : null}
            <p id="empty">${queue ? 'Nothing to review here.' : 'Loading…'}</p>
          </main>`
    }
    ${help ? html`<${HelpOverlay} onClose=${() => setHelp(false)} />` : null}
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
