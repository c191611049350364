// The review page's views: queue, note with highlighted spans, editable extraction table, help overlay.
// Stateless: everything arrives in props; review-app.js owns the state and the keyboard.
import { h } from 'preact';
import htm from 'htm';
import { concerns, flagsUnder, rowFlags, segmentNote, spanLabel, SPAN_TYPES, valueAt } from './review-model.js';
import { FREQUENCY_CODES, MEDICATION_STATUSES, ROUTE_CODES } from './review-vocabulary.js';

export const html = htm.bind(h);

export const KEYS = [
  ['a', 'Accept (saves your edits as a correction when there are any)'],
  ['x', 'Reject the extraction'],
  ['e', 'Edit: focus the first flagged field (Tab moves on, Enter keeps, Esc undoes)'],
  ['u', 'Undo all edits of this item'],
  ['c', 'Write a comment for the decision'],
  ['j / k', 'Next / previous item in the queue'],
  ['f', 'Filter the queue by flag'],
  ['r', 'Reload the queue'],
  ['?', 'Show or hide this help'],
];

const ago = (iso) => {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} d ago`;
};

/** One line under a queue item: engine, lowest confidence, age, and who holds it. */
function queueMeta(item) {
  const parts = [
    `${item.engine.name} ${item.engine.version}`,
    `conf ${item.minConfidence === null ? '—' : item.minConfidence.toFixed(2)}`,
    ago(item.createdAt),
  ];
  if (item.claim && !item.claim.mine) parts.push('with another reviewer');
  return parts.join(' · ');
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

function FlagList({ flags, errors = [] }) {
  if (flags.length === 0 && errors.length === 0) return null;
  const sorted = [...flags].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return html`<ul class="flags">
    ${sorted.map(
      (f) =>
        html`<li class=${`flag flag-${f.severity}`} data-flag-code=${f.code} data-flag-path=${f.path}>
          <span class="flag-code">${f.code}</span> ${f.message}
        </li>`,
    )}
    ${errors.map(
      (e) =>
        html`<li class="flag flag-refused" data-error-path=${e.path}>
          <span class="flag-code">not saved</span> ${e.message}
        </li>`,
    )}
  </ul>`;
}

export function QueuePanel({ queue, currentId, filters, onFilter, onOpen }) {
  const facets = queue?.facets ?? { flagCode: [], engine: [], version: [] };
  const select = (name, label, options) =>
    html`<label class="filter">
      <span>${label}</span>
      <select id=${`filter-${name}`} value=${filters[name] ?? ''} onChange=${(e) => onFilter(name, e.target.value)}>
        <option value="">all</option>
        ${options.map((o) => html`<option value=${o.value}>${o.value} (${o.count})</option>`)}
      </select>
    </label>`;
  const date = (name, label) =>
    html`<label class="filter">
      <span>${label}</span>
      <input
        type="date"
        id=${`filter-${name}`}
        value=${filters[name] ?? ''}
        onChange=${(e) => onFilter(name, e.target.value)}
      />
    </label>`;
  return html`<aside class="queue" aria-label="Review queue">
    <div class="counts" id="queue-counts">
      <div>
        <strong id="queue-total">${queue?.total ?? 0}</strong>
        <span>${queue && queue.total !== queue.queueSize ? ` to review (of ${queue.queueSize})` : ' to review'}</span>
      </div>
      <div class="count-row">
        <span class="sev sev-error">${queue?.bySeverity.error ?? 0} error</span>
        <span class="sev sev-warning">${queue?.bySeverity.warning ?? 0} warning</span>
        <span class="muted">${queue?.claimedByOthers ?? 0} with others</span>
      </div>
    </div>
    <div class="filters">
      ${select('flagCode', 'Flag', facets.flagCode)} ${select('engine', 'Engine', facets.engine)}
      ${select('version', 'Model version', facets.version)} ${date('from', 'From')} ${date('to', 'To')}
    </div>
    <ol class="queue-items">
      ${(queue?.items ?? []).map(
        (item) =>
          html`<li
            class=${['queue-item', item.id === currentId ? 'current' : '', item.claim && !item.claim.mine ? 'taken' : ''].join(' ')}
            data-id=${item.id}
            onClick=${() => onOpen(item.id)}
          >
            <div class="qi-head">
              <span class=${`sev sev-${item.severity ?? 'none'}`}>${item.severity ?? '—'}</span>
              <span class="qi-ext">${item.externalId}</span>
            </div>
            <div class="qi-codes">
              ${item.flagCodes.slice(0, 3).join(', ')}${item.flagCodes.length > 3 ? ` +${item.flagCodes.length - 3}` : ''}
            </div>
            <div class="qi-meta">${queueMeta(item)}</div>
          </li>`,
      )}
    </ol>
  </aside>`;
}

export function NoteView({ item, activePath }) {
  const spans = item.spans;
  const flagged = (path) => item.flags.some((f) => f.severity !== 'info' && concerns(f.path, path));
  const pieces = segmentNote(item.noteText, spans);
  return html`<section class="note" aria-label="Note text">
    <div class="legend">
      ${SPAN_TYPES.map(([type, label]) => html`<span class=${`hl hl-${type}`}>${label}</span>`)}
      <span class="hl hl-flagged-sample">flagged</span>
    </div>
    <pre class="note-text" id="note-text">
${pieces.map((piece) => {
        if (piece.spans.length === 0) return piece.text;
        const top = piece.spans[0];
        const classes = ['hl', `hl-${top.type}`];
        if (piece.spans.some((s) => flagged(s.path))) classes.push('hl-flagged');
        if (activePath && piece.spans.some((s) => concerns(activePath, s.path))) classes.push('hl-active');
        const title = piece.spans.map((s) => `${spanLabel(s.type)} ${s.path}`).join('\n');
        return html`<mark class=${classes.join(' ')} data-type=${top.type} data-path=${top.path} title=${title}
          >${piece.text}</mark
        >`;
      })}</pre>
  </section>`;
}

const show = (value) => (value === null || value === undefined || value === '' ? '—' : String(value));

/** One value of the extraction: text in view mode, an input (or select) in edit mode; edited values stand out. */
function Field({ ctx, path, kind, original, label, options, display }) {
  const edit = ctx.edits.get(path);
  const current = edit ? edit.value : original;
  const classes = ['field', `field-${kind}`, edit ? 'edited' : '', edit && !edit.valid ? 'invalid' : ''].join(' ');
  if (!ctx.editing) {
    return html`<span class=${classes} data-path=${path}>${display ? display(current) : show(current)}</span>`;
  }
  const common = {
    'data-edit-path': path,
    'aria-label': label,
    class: classes,
    onFocus: () => ctx.onFocusPath(path),
  };
  if (options) {
    const raw = edit ? edit.raw : original === null ? '' : String(original);
    return html`<select ...${common} value=${raw} onChange=${(e) => ctx.onEdit(path, e.target.value, kind, original)}>
      ${options.map((o) => {
        const [value, text] = Array.isArray(o) ? o : [o, o === '' ? '—' : o];
        return html`<option value=${value}>${text}</option>`;
      })}
    </select>`;
  }
  const raw = edit ? edit.raw : kind === 'mention' ? original.text : original === null ? '' : String(original);
  return html`<input
    ...${common}
    type="text"
    inputmode=${kind === 'amount' || kind === 'number' ? 'decimal' : 'text'}
    spellcheck=${false}
    autocomplete="off"
    value=${raw}
    onInput=${(e) => ctx.onEdit(path, e.target.value, kind, original)}
  />`;
}

const spanHint = (mention) =>
  mention && mention.span === null ? html`<span class="nospan" title="no position in the note">no span</span>` : null;
const quote = (mention) => (mention ? html`<span class="quote">“${mention.text}”</span>` : null);

function Cell({ ctx, paths, children }) {
  return html`<td>
    ${children}<${FlagList} flags=${flagsUnder(ctx.flags, paths)} errors=${flagsUnder(ctx.errors, paths)} />
  </td>`;
}

function RowNotes({ ctx, rowPath, cellPaths, colspan }) {
  const flags = rowFlags(ctx.flags, rowPath, cellPaths);
  const errors = rowFlags(ctx.errors, rowPath, cellPaths);
  if (flags.length === 0 && errors.length === 0) return null;
  return html`<tr class="row-notes">
    <td colspan=${colspan}><${FlagList} flags=${flags} errors=${errors} /></td>
  </tr>`;
}

function MedicationRows({ ctx, m, i }) {
  const base = `/medications/${i}`;
  const cellPaths = ['name', 'dose', 'frequency', 'route', 'status'].map((f) => `${base}/${f}`);
  const removed = ctx.removed.has(i);
  const name = ctx.edits.get(`${base}/name`)?.value ?? m.name;
  return html` <tr class=${removed ? 'removed' : ''} data-row=${base}>
      <td class="num">${i + 1}</td>
      <${Cell} ctx=${ctx} paths=${[`${base}/name`]}>
        <${Field}
          ctx=${ctx}
          path=${`${base}/name`}
          kind="mention"
          original=${m.name}
          label=${`medication ${i + 1} name`}
          display=${(v) => v.text}
        />
        ${spanHint(name)}
      <//>
      <${Cell} ctx=${ctx} paths=${[`${base}/dose`]}>
        ${
          m.dose
            ? html`<span class="pair">
                  <${Field}
                    ctx=${ctx}
                    path=${`${base}/dose/value`}
                    kind="amount"
                    original=${m.dose.value}
                    label=${`medication ${i + 1} dose value`}
                  />
                  <${Field}
                    ctx=${ctx}
                    path=${`${base}/dose/unit`}
                    kind="text"
                    original=${m.dose.unit}
                    label=${`medication ${i + 1} dose unit`}
                  />
                </span>
                ${quote(m.dose)} ${spanHint(m.dose)}`
            : '—'
        }
      <//>
      <${Cell} ctx=${ctx} paths=${[`${base}/frequency`]}>
        ${
          m.frequency
            ? html`<${Field}
                  ctx=${ctx}
                  path=${`${base}/frequency/code`}
                  kind="code"
                  original=${m.frequency.code}
                  label=${`medication ${i + 1} frequency`}
                  options=${['', ...FREQUENCY_CODES]}
                />
                ${quote(m.frequency)} ${spanHint(m.frequency)}`
            : '—'
        }
      <//>
      <${Cell} ctx=${ctx} paths=${[`${base}/route`]}>
        ${
          m.route
            ? html`<${Field}
                  ctx=${ctx}
                  path=${`${base}/route/code`}
                  kind="code"
                  original=${m.route.code}
                  label=${`medication ${i + 1} route`}
                  options=${['', ...ROUTE_CODES]}
                />
                ${quote(m.route)} ${spanHint(m.route)}`
            : '—'
        }
      <//>
      <${Cell} ctx=${ctx} paths=${[`${base}/status`]}>
        <${Field}
          ctx=${ctx}
          path=${`${base}/status`}
          kind="enum"
          original=${m.status}
          label=${`medication ${i + 1} status`}
          options=${MEDICATION_STATUSES}
        />
      <//>
      <td class="num">${m.confidence.toFixed(2)}</td>
      <td class="remove">
        ${
          ctx.editing
            ? html`<input
                type="checkbox"
                aria-label=${`remove medication ${i + 1}`}
                data-edit-path=${`${base}/remove`}
                checked=${removed}
                onChange=${(e) => ctx.onRemove(i, e.target.checked)}
              />`
            : removed
              ? 'removed'
              : ''
        }
      </td>
    </tr>
    <${RowNotes} ctx=${ctx} rowPath=${base} cellPaths=${cellPaths} colspan="8" />`;
}

function ConditionRows({ ctx, section, conditions }) {
  return conditions.map((c, i) => {
    const base = `/${section}/${i}`;
    return html`<tr data-row=${base}>
        <${Cell} ctx=${ctx} paths=${[`${base}/text`, `${base}/span`]}>${c.text} ${spanHint(c)}<//>
        <${Cell} ctx=${ctx} paths=${[`${base}/negated`]}>
          <${Field}
            ctx=${ctx}
            path=${`${base}/negated`}
            kind="boolean"
            original=${c.negated}
            label=${`${section} ${i + 1} negated`}
            options=${[
              ['false', 'no'],
              ['true', 'yes'],
            ]}
            display=${(v) => (v ? 'yes' : 'no')}
          />
        <//>
        <td>${c.code ? `${c.code.system}|${c.code.code}` : ''}</td>
      </tr>
      <${RowNotes}
        ctx=${ctx}
        rowPath=${base}
        cellPaths=${[`${base}/text`, `${base}/span`, `${base}/negated`]}
        colspan="3"
      />`;
  });
}

function Section({ title, count, children }) {
  return html`<section class="section">
    <h3>${title} <span class="muted">${count}</span></h3>
    ${count === 0 ? html`<p class="muted empty">none</p>` : children}
  </section>`;
}

export function ExtractionTable({ ctx, extraction }) {
  const { medications, diagnoses, symptoms, labs, followUps, patient } = extraction;
  return html`<div class="extraction">
    <div class="patient">
      Patient: age ${patient.age ? `${patient.age.value} ${patient.age.unit}` : '—'}, sex ${patient.sex.value}
      <${FlagList} flags=${flagsUnder(ctx.flags, ['/patient'])} errors=${flagsUnder(ctx.errors, ['/patient'])} />
    </div>
    <${Section} title="Medications" count=${medications.length}>
      <table class="grid meds" id="medications">
        <thead>
          <tr>
            <th>#</th>
            <th>Name</th>
            <th>Dose (value, unit)</th>
            <th>Frequency</th>
            <th>Route</th>
            <th>Status</th>
            <th>Conf.</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${medications.map((m, i) => html`<${MedicationRows} ctx=${ctx} m=${m} i=${i} key=${i} />`)}
        </tbody>
      </table>
    <//>
    <${Section} title="Diagnoses" count=${diagnoses.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Diagnosis</th>
            <th>Negated</th>
            <th>Code</th>
          </tr>
        </thead>
        <tbody>
          <${ConditionRows} ctx=${ctx} section="diagnoses" conditions=${diagnoses} />
        </tbody>
      </table>
    <//>
    <${Section} title="Symptoms" count=${symptoms.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Symptom</th>
            <th>Negated</th>
            <th>Code</th>
          </tr>
        </thead>
        <tbody>
          <${ConditionRows} ctx=${ctx} section="symptoms" conditions=${symptoms} />
        </tbody>
      </table>
    <//>
    <${Section} title="Labs" count=${labs.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Lab</th>
            <th>Value</th>
            <th>Unit</th>
            <th>Flag</th>
          </tr>
        </thead>
        <tbody>
          ${labs.map((lab, i) => {
            const base = `/labs/${i}`;
            return html`<tr data-row=${base}>
                <${Cell} ctx=${ctx} paths=${[`${base}/name`]}>${lab.name.text} ${spanHint(lab.name)}<//>
                <${Cell} ctx=${ctx} paths=${[`${base}/value`]}>
                  <${Field}
                    ctx=${ctx}
                    path=${`${base}/value/value`}
                    kind="number"
                    original=${lab.value.value}
                    label=${`lab ${i + 1} value`}
                  />
                  ${quote(lab.value)}
                <//>
                <${Cell} ctx=${ctx} paths=${[`${base}/unit`]}>${lab.unit ? lab.unit.text : '—'}<//>
                <td>${lab.flag ?? ''}</td>
              </tr>
              <${RowNotes}
                ctx=${ctx}
                rowPath=${base}
                cellPaths=${[`${base}/name`, `${base}/value`, `${base}/unit`]}
                colspan="4"
              />`;
          })}
        </tbody>
      </table>
    <//>
    <${Section} title="Follow-ups" count=${followUps.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Follow-up</th>
            <th>Interval</th>
            <th>With</th>
          </tr>
        </thead>
        <tbody>
          ${followUps.map((f, i) => {
            const base = `/followUps/${i}`;
            return html`<tr data-row=${base}>
                <${Cell} ctx=${ctx} paths=${[`${base}/text`, `${base}/span`]}>${f.text} ${spanHint(f)}<//>
                <${Cell} ctx=${ctx} paths=${[`${base}/interval`]}>
                  ${
                    f.interval
                      ? html`<span class="pair">
                          <${Field}
                            ctx=${ctx}
                            path=${`${base}/interval/value`}
                            kind="amount"
                            original=${f.interval.value}
                            label=${`follow-up ${i + 1} interval`}
                          />
                          <${Field}
                            ctx=${ctx}
                            path=${`${base}/interval/unit`}
                            kind="enum"
                            original=${f.interval.unit}
                            label=${`follow-up ${i + 1} interval unit`}
                            options=${['days', 'weeks', 'months', 'years']}
                          />
                        </span>`
                      : '—'
                  }
                <//>
                <${Cell} ctx=${ctx} paths=${[`${base}/with`]}>${f.with ? f.with.text : '—'}<//>
              </tr>
              <${RowNotes}
                ctx=${ctx}
                rowPath=${base}
                cellPaths=${[`${base}/text`, `${base}/span`, `${base}/interval`, `${base}/with`]}
                colspan="3"
              />`;
          })}
        </tbody>
      </table>
    <//>
    ${
      ctx.otherFlags.length > 0
        ? html`<section class="section">
            <h3>Other flags</h3>
            <${FlagList} flags=${ctx.otherFlags} />
          </section>`
        : null
    }
  </div>`;
}

export function HelpOverlay({ onClose }) {
  return html`<div
    class="overlay"
    role="dialog"
    aria-modal="true"
    aria-labelledby="help-title"
    id="help"
    onClick=${onClose}
  >
    <div class="help" onClick=${(e) => e.stopPropagation()}>
      <h2 id="help-title">Keyboard</h2>
      <table>
        ${KEYS.map(
          ([key, what]) =>
            html`<tr>
              <td><kbd>${key}</kbd></td>
              <td>${what}</td>
            </tr>`,
        )}
      </table>
      <p class="muted">Esc or ? closes this help.</p>
    </div>
  </div>`;
}

export { valueAt };
