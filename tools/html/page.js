// SPDX-License-Identifier: BSD-2-Clause
// page.js: the script of a ptx violation page (tools/html). No libraries, no network.
//
// The page's data is the JSON in <script type="application/json" id="ptx-data"> (the model of
// tools/html/page_model.h; every 64-bit number is a "0x..." string). The server-side HTML already
// shows the summary, the updates table and every walk as text (#fallback); this script draws the
// three walks as SVG panels side by side, lets the reader step through the witness, and only then
// swaps the text walks for the panels, so a script that fails leaves a complete page behind.
//
// What is drawn, per walk: one box per page-table entry the walk reads, root at the top, an arrow
// to the next level, and last the mapping box, coloured by verdict (before green, after blue,
// wrong translation red, transient fault orange; the colours live in the page's CSS). An entry
// whose value differs from the before-state is filled yellow ("changed"); one that a witness write
// already applied wrote gets a purple border ("witness write"); in the current-step panel the
// entry the last applied write hit gets a black border ("written now").
(function () {
  'use strict';

  // Geometry of a walk panel, in SVG user units (the SVG scales to its panel's width).
  var WIDTH = 380, BOX_X = 10, BOX_W = 360, BOX_H = 70, GAP = 30, MAP_H = 54, TOP = 8;

  var data = JSON.parse(document.getElementById('ptx-data').textContent);
  // Steps the reader can walk through: k = 0 .. lastStep (clamped if the data disagree).
  var lastStep = Math.max(0, Math.min(data.witness.length, data.steps.length - 1));
  // Every panel gets the height of the longest walk, so the three line up.
  var rows = Math.max.apply(null, [data.before, data.after].concat(data.steps).map(function (w) {
    return w.path.length;
  }));
  var step = 0;

  // ---- small helpers ------------------------------------------------------------------------

  // Text for SVG/HTML markup: the data's strings are never markup.
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function updateByIndex(i) {
    for (var k = 0; k < data.updates.length; k++) {
      if (data.updates[k].index === i) return data.updates[k];
    }
    return null;
  }

  // The CSS class of a verdict: v-before, v-after, v-wrong, v-fault, or v-other (grey).
  function verdictClass(verdict) {
    if (verdict === 'before') return 'v-before';
    if (verdict === 'after') return 'v-after';
    if (verdict === 'observed (wrong translation)') return 'v-wrong';
    if (verdict === 'observed (transient fault)') return 'v-fault';
    return 'v-other';
  }

  function text(x, y, s, cls, anchor) {
    return '<text x="' + x + '" y="' + y + '" class="' + cls + '"' +
        (anchor ? ' text-anchor="' + anchor + '"' : '') + '>' + esc(s) + '</text>';
  }

  // A small filled label, right-aligned at x (used for "witness write", "changed", ...).
  function tag(xRight, y, s, cls) {
    var w = s.length * 6.6 + 12;
    return '<g class="tag ' + cls + '"><rect x="' + (xRight - w) + '" y="' + (y - 12) +
        '" width="' + w + '" height="16" rx="8"/>' +
        text(xRight - w / 2, y, s, 'tag-text', 'middle') + '</g>';
  }

  // A downward arrow from one box to the next.
  function arrow(y1, y2) {
    var x = BOX_X + BOX_W / 2;
    return '<g class="arrow"><line x1="' + x + '" y1="' + y1 + '" x2="' + x + '" y2="' + (y2 - 7) +
        '"/><polygon points="' + (x - 6) + ',' + (y2 - 9) + ' ' + (x + 6) + ',' + (y2 - 9) + ' ' +
        x + ',' + y2 + '"/></g>';
  }

  // ---- drawing ------------------------------------------------------------------------------

  // One entry box at height y: level and kind, entry address, value, decoded value, and tags.
  // `now` is true for the entry the last applied witness write hit (current-step panel only).
  function drawEntry(e, y, now) {
    var cls = 'entry' + (e.changed ? ' changed' : '') + (e.written_by_witness ? ' witness' : '') +
        (now ? ' now' : '');
    var right = BOX_X + BOX_W - 10;
    var tags = [];
    if (now) tags.push(['written now', 'tag-now']);
    else if (e.written_by_witness) tags.push(['witness write', 'tag-witness']);
    if (e.changed) tags.push(['changed', 'tag-changed']);
    var out = '<g class="' + cls + '" data-entry="' + esc(e.entry) + '">' +
        '<rect class="box" x="' + BOX_X + '" y="' + y + '" width="' + BOX_W + '" height="' + BOX_H +
        '" rx="6"/>' +
        text(BOX_X + 10, y + 20, 'L' + e.level + ' ' + e.kind, 'kind') +
        text(right, y + 20, 'entry ' + e.entry, 'addr', 'end') +
        text(BOX_X + 10, y + 41, 'value ' + e.value, 'value') +
        text(BOX_X + 10, y + 61, e.decoded, 'decoded');
    tags.forEach(function (t, i) { out += tag(right, y + 41 + 20 * i, t[0], t[1]); });
    return out + '</g>';
  }

  // The box the walk ends in: what it maps to, and the verdict that colours it.
  function drawMapping(walk, y) {
    return '<g class="mapping ' + verdictClass(walk.verdict) + '" data-verdict="' +
        esc(walk.verdict) + '">' +
        '<rect class="box" x="' + BOX_X + '" y="' + y + '" width="' + BOX_W + '" height="' + MAP_H +
        '" rx="10"/>' +
        text(BOX_X + BOX_W / 2, y + 22, walk.result, 'result', 'middle') +
        text(BOX_X + BOX_W / 2, y + 42, walk.verdict, 'verdict', 'middle') + '</g>';
  }

  // A whole walk as one SVG: the same walk always gives the same markup (the browser test
  // compares the current panel at step 0 with the before panel that way).
  function drawWalk(walk, nowEntry) {
    var height = TOP + rows * (BOX_H + GAP) + MAP_H + TOP;
    var out = '<svg class="walk" viewBox="0 0 ' + WIDTH + ' ' + height + '" role="img" ' +
        'aria-label="' + esc('walk: ' + walk.result + ', ' + walk.verdict) + '">';
    var y = TOP;
    walk.path.forEach(function (e) {
      out += drawEntry(e, y, nowEntry !== null && e.entry === nowEntry);
      out += arrow(y + BOX_H, y + BOX_H + GAP);
      y += BOX_H + GAP;
    });
    return out + drawMapping(walk, y) + '</svg>';
  }

  // Puts a walk into a panel (#walk-before, #walk-current, #walk-after), below its caption.
  function renderPanel(id, walk, nowEntry, caption) {
    var panel = document.getElementById(id);
    panel.querySelector('.canvas').innerHTML = drawWalk(walk, nowEntry);
    if (caption) panel.querySelector('figcaption').textContent = caption;
  }

  // ---- stepping -----------------------------------------------------------------------------

  // "PMD 0x12000 0x0 → 0x13003": one update, as the step label shows it.
  function describeUpdate(u) {
    return u.kind + ' ' + u.entry + ' ' + u.old_value + ' \u2192 ' + u.new_value;
  }

  function stepLabel(k) {
    var head = 'step ' + k + ' of ' + lastStep + ': ';
    if (k === 0) return head + 'before-state, no witness write applied';
    var u = updateByIndex(data.witness[k - 1]);
    return head + 'applied update #' + data.witness[k - 1] + (u ? ' (' + describeUpdate(u) + ')' : '');
  }

  // Marks the updates table: rows already applied, the row applied last, the row applied next.
  function markUpdates(k) {
    var rowsEl = document.querySelectorAll('#updates tbody tr');
    Array.prototype.forEach.call(rowsEl, function (tr) {
      var order = data.witness.indexOf(Number(tr.getAttribute('data-index')));
      tr.classList.toggle('applied', order >= 0 && order < k);
      tr.classList.toggle('last-applied', order >= 0 && order === k - 1);
      tr.classList.toggle('next', order >= 0 && order === k);
    });
  }

  // Shows step k: redraws the current-step panel, the label, the table marks and the buttons.
  function showStep(k) {
    step = Math.max(0, Math.min(lastStep, k));
    var last = step > 0 ? updateByIndex(data.witness[step - 1]) : null;
    renderPanel('walk-current', data.steps[step], last ? last.entry : null,
                'current: after ' + step + ' of ' + lastStep + ' witness writes');
    document.getElementById('step-label').textContent = stepLabel(step);
    markUpdates(step);
    document.getElementById('step-back').disabled = step === 0;
    document.getElementById('step-reset').disabled = step === 0;
    document.getElementById('step-forward').disabled = step === lastStep;
    document.getElementById('step-all').disabled = step === lastStep;
  }

  function bindControls() {
    var actions = {
      'step-back': function () { showStep(step - 1); },
      'step-forward': function () { showStep(step + 1); },
      'step-reset': function () { showStep(0); },
      'step-all': function () { showStep(lastStep); }
    };
    Object.keys(actions).forEach(function (id) {
      document.getElementById(id).addEventListener('click', actions[id]);
    });
    // ←/→ step, Home/End jump; leave keys with modifiers to the browser.
    document.addEventListener('keydown', function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var keys = {ArrowLeft: 'step-back', ArrowRight: 'step-forward', Home: 'step-reset',
                  End: 'step-all'};
      if (keys[ev.key]) {
        actions[keys[ev.key]]();
        ev.preventDefault();
      }
    });
  }

  // ---- start --------------------------------------------------------------------------------

  renderPanel('walk-before', data.before, null, null);
  renderPanel('walk-after', data.after, null, null);
  bindControls();
  showStep(0);
  // Everything drew: swap the text walks for the panels.
  document.getElementById('interactive').hidden = false;
  document.getElementById('fallback').hidden = true;
  document.body.classList.add('scripted');
})();
