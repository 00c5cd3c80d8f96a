/*
 * Upshift console: the one script of the console pages.
 *
 * The pages are rendered on the server and declare their writes as data attributes; this file turns them into
 * calls to the JSON admin API (/api/admin/v1) with the session cookie and the X-CSRF-Token header from
 * <meta name="csrf-token">. Results and errors are announced in the live regions #status and #alert. Nothing here
 * writes HTML from data: text goes in with textContent only.
 *
 *   <form data-api-form data-method data-path data-success [data-builder]>  the form's named fields as JSON
 *   <button data-api-button data-method data-path data-success [data-confirm] [data-prompt]>  one call
 *   data-success: reload | redirect:<url with {field} from the answer> | secret:<field> | login
 */
(function () {
  'use strict';

  var API = '/api/admin/v1/';
  var FLASH = 'upshift.flash';
  document.documentElement.classList.add('js');

  // ---- messages -------------------------------------------------------------------------------------------------

  function region(id, text) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    el.textContent = '';
    // A fresh text node after a tick makes screen readers announce a repeated message again.
    window.setTimeout(function () { el.textContent = text; }, 30);
  }

  var statusTimer = null;

  /** A result in the polite live region; it fades after ten seconds (errors in #alert stay until replaced). */
  function announce(text) {
    region('alert', '');
    region('status', text);
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(function () { region('status', ''); }, 10000);
  }

  function complain(text, form) {
    var own = form && form.querySelector('.form-error');
    if (own) {
      own.textContent = text;
    }
    region('status', '');
    region('alert', text);
  }

  function flashThenReload(text) {
    try {
      window.sessionStorage.setItem(FLASH, text);
    } catch (e) {
      // storage may be off; the reload still shows the change
    }
    window.location.reload();
  }

  // ---- calls ----------------------------------------------------------------------------------------------------

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  function call(method, path, body) {
    if (path.indexOf(API) !== 0) {
      return Promise.reject(new Error('Refusing to call ' + path));
    }
    var headers = { 'Accept': 'application/json', 'X-CSRF-Token': csrf() };
    var init = { method: method, credentials: 'same-origin', headers: headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        if (text) {
          try {
            data = JSON.parse(text);
          } catch (e) {
            data = null;
          }
        }
        return { ok: res.ok, status: res.status, data: data, retryAfter: res.headers.get('Retry-After') };
      });
    });
  }

  function errorText(r) {
    if (r.status === 429) {
      var wait = r.retryAfter ? ' in ' + r.retryAfter + ' seconds' : ' later';
      return 'Too many attempts. Try again' + wait + '.';
    }
    if (r.data && r.data.message) {
      return r.data.message;
    }
    if (r.status === 401) {
      return 'Your session has ended. Sign in again.';
    }
    if (r.status === 403) {
      return 'Your role does not allow this.';
    }
    return 'The server answered ' + r.status + '. Try again, or check the server log.';
  }

  /** Replaces {field} in a URL template with the answer's field, URL-encoded. */
  function fillUrl(template, data) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return data && data[key] !== undefined && data[key] !== null ? encodeURIComponent(String(data[key])) : all;
    });
  }

  function fillText(template, data) {
    return (template || '').replace(/\{(\w+)\}/g, function (all, key) {
      return data && data[key] !== undefined && data[key] !== null ? String(data[key]) : all;
    });
  }

  /** Where to go after signing in: ?next= when it is a console page, else the console's start. */
  function nextPage() {
    var next = new URLSearchParams(window.location.search).get('next');
    return next && /^\/console\/(?![\/\\])/.test(next) ? next : '/console/';
  }

  function succeeded(el, r) {
    var how = el.getAttribute('data-success') || 'reload';
    var method = el.getAttribute('data-method');
    var done = el.getAttribute('data-done') || (method === 'DELETE' ? 'Deleted.' : method === 'POST' ? 'Done.' : 'Saved.');
    if (how === 'reload') {
      flashThenReload(done);
    } else if (how === 'login') {
      window.location.assign(nextPage());
    } else if (how.indexOf('redirect:') === 0) {
      try {
        window.sessionStorage.setItem(FLASH, done);
      } catch (e) {
        // ignore
      }
      window.location.assign(fillUrl(how.slice('redirect:'.length), r.data));
    } else if (how.indexOf('secret:') === 0) {
      showSecret(el, r.data, how.slice('secret:'.length));
    }
  }

  // ---- forms ----------------------------------------------------------------------------------------------------

  function FieldError(el, message) {
    this.el = el;
    this.message = message;
  }

  function labelOf(el) {
    var l = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    return l ? l.textContent : (el.getAttribute('aria-label') || el.name || 'A field');
  }

  function toUtc(value) {
    // datetime-local gives 2026-12-01T08:00 or 2026-12-01T08:00:00; the fields are labelled UTC.
    return (value.length === 16 ? value + ':00' : value) + 'Z';
  }

  function setPath(out, name, value) {
    var parts = name.split('.');
    var o = out;
    for (var i = 0; i < parts.length - 1; i++) {
      o[parts[i]] = o[parts[i]] || {};
      o = o[parts[i]];
    }
    o[parts[parts.length - 1]] = value;
  }

  function active(el) {
    return !el.disabled && !el.closest('[hidden]');
  }

  /** The form's named fields as JSON, typed by data-type: optional, int, number, json, list, utc, bool. */
  function fieldsOf(form) {
    var out = {};
    form.querySelectorAll('input[name], select[name], textarea[name]').forEach(function (el) {
      if (!active(el) || (el.type === 'radio' && !el.checked)) {
        return;
      }
      var type = el.getAttribute('data-type') || '';
      var v;
      if (el.type === 'checkbox') {
        v = el.checked;
      } else {
        v = el.value;
        var blank = v.trim() === '';
        if ((type === 'optional' || type === 'int' || type === 'number' || type === 'utc') && blank) {
          return;
        }
        if (type === 'int' || type === 'number') {
          v = Number(v);
          if (!isFinite(v)) {
            throw new FieldError(el, labelOf(el) + ' must be a number.');
          }
        } else if (type === 'json') {
          try {
            v = JSON.parse(v);
          } catch (e) {
            throw new FieldError(el, labelOf(el) + ' is not valid JSON.');
          }
        } else if (type === 'list') {
          v = v.split(/[\s,]+/).filter(Boolean);
        } else if (type === 'utc') {
          v = toUtc(v);
        }
      }
      setPath(out, el.name, v);
    });
    return out;
  }

  /** Marks the field an API message names ("Field 'name' ..."), so the person lands on it. */
  function markField(form, message) {
    var m = /Field '([\w.]+)'/.exec(message || '');
    var el = m && form.querySelector('[name="' + m[1] + '"]');
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
    }
  }

  function submitForm(form) {
    form.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
    var own = form.querySelector('.form-error');
    if (own) {
      own.textContent = '';
    }
    var requests;
    try {
      requests = form.getAttribute('data-builder') === 'strategy' ? strategyRequests(form)
        : [fieldsOf(form)];
    } catch (e) {
      if (e instanceof FieldError) {
        complain(e.message, form);
        e.el.setAttribute('aria-invalid', 'true');
        e.el.focus();
        return;
      }
      throw e;
    }
    if (requests.length === 0) {
      announce('Nothing changed.');
      return;
    }
    var button = form.querySelector('button[type="submit"]');
    if (button) {
      button.disabled = true;
    }
    form.setAttribute('aria-busy', 'true');
    var method = form.getAttribute('data-method');
    var path = form.getAttribute('data-path');
    var chain = Promise.resolve(null);
    var failed = false;
    requests.forEach(function (body) {
      chain = chain.then(function (previous) {
        if (failed) {
          return previous;
        }
        return call(method, path, body).then(function (r) {
          if (!r.ok) {
            failed = true;
          }
          return r;
        });
      });
    });
    chain.then(function (r) {
      if (r.ok) {
        succeeded(form, r);
      } else {
        complain(errorText(r), form);
        markField(form, r.data && r.data.message);
      }
    }).catch(function () {
      complain('The server could not be reached. Check your connection and try again.', form);
    }).then(function () {
      if (button) {
        button.disabled = false;
      }
      form.removeAttribute('aria-busy');
    });
  }

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-api-form]');
    if (!form) {
      return;
    }
    e.preventDefault();
    submitForm(form);
  });

  // ---- one-call buttons -----------------------------------------------------------------------------------------

  document.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-api-button]');
    if (!b) {
      return;
    }
    var question = b.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      return;
    }
    var body;
    var ask = b.getAttribute('data-prompt');
    if (ask !== null) {
      var reason = window.prompt(ask, '');
      if (reason === null) {
        return;
      }
      body = reason.trim() === '' ? undefined : { reason: reason.trim() };
    }
    b.disabled = true;
    call(b.getAttribute('data-method'), b.getAttribute('data-path'), body).then(function (r) {
      if (r.ok) {
        succeeded(b, r);
      } else {
        complain(errorText(r));
        b.disabled = false;
      }
    }).catch(function () {
      complain('The server could not be reached. Check your connection and try again.');
      b.disabled = false;
    });
  });

  // ---- secrets shown once ---------------------------------------------------------------------------------------

  function showSecret(form, data, field) {
    var panel = document.getElementById('secret-panel');
    if (!panel || !data || !data[field]) {
      flashThenReload('Created.');
      return;
    }
    document.getElementById('secret-label').textContent = fillText(form.getAttribute('data-secret-label'), data);
    document.getElementById('secret-value').textContent = data[field];
    panel.hidden = false;
    form.reset();
    panel.focus();
    announce('Created. Copy the secret now: it is shown only once.');
  }

  document.addEventListener('click', function (e) {
    var copy = e.target.closest('[data-copy]');
    if (copy) {
      var source = document.getElementById(copy.getAttribute('data-copy'));
      var text = source ? source.textContent : '';
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { announce('Copied.'); },
          function () { announce('Copying failed; select the text and copy it.'); });
      } else {
        var range = document.createRange();
        range.selectNodeContents(source);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        announce('Selected; press Ctrl+C or Cmd+C to copy.');
      }
      return;
    }
    if (e.target.closest('#secret-dismiss')) {
      document.getElementById('secret-value').textContent = '';
      document.getElementById('secret-panel').hidden = true;
      flashThenReload('Created.');
    }
  });

  // ---- sign out, navigation -------------------------------------------------------------------------------------

  document.addEventListener('click', function (e) {
    if (e.target.closest('#logout')) {
      call('DELETE', API + 'session').then(function () {
        window.location.assign('/console/login');
      }, function () {
        window.location.assign('/console/login');
      });
    }
    var toggle = e.target.closest('#nav-toggle');
    if (toggle) {
      var nav = document.getElementById('site-nav');
      var open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    }
  });

  // ---- app kinds ------------------------------------------------------------------------------------------------

  function applyKind(select) {
    var kind = select.value;
    var option = select.options[select.selectedIndex];
    var help = document.getElementById('app-kind-help');
    if (help && option) {
      help.textContent = option.getAttribute('data-help') || '';
    }
    select.form.querySelectorAll('[data-kinds]').forEach(function (box) {
      var on = box.getAttribute('data-kinds').split(' ').indexOf(kind) >= 0;
      box.hidden = !on;
      box.querySelectorAll('input, select, textarea').forEach(function (el) { el.disabled = !on; });
    });
  }

  // ---- strategy editor ------------------------------------------------------------------------------------------

  function num(el, required) {
    var v = el.value.trim();
    if (v === '') {
      if (required) {
        throw new FieldError(el, labelOf(el) + ' is required.');
      }
      return null;
    }
    var n = Number(v);
    if (!isFinite(n)) {
      throw new FieldError(el, labelOf(el) + ' must be a number.');
    }
    return n;
  }

  function checkedValues(form, selector, asNumber) {
    var out = [];
    form.querySelectorAll(selector).forEach(function (el) {
      if (el.checked) {
        out.push(asNumber ? Number(el.value) : el.value);
      }
    });
    return out;
  }

  function radioValue(form, name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : 'all';
  }

  function jsonList(el) {
    var text = el.value.trim();
    if (text === '') {
      return [];
    }
    try {
      var v = JSON.parse(text);
      if (!Array.isArray(v)) {
        throw new Error('not a list');
      }
      return v;
    } catch (e) {
      throw new FieldError(el, labelOf(el) + ' must be a JSON list.');
    }
  }

  /** The editor as StrategyAdmin's fields. */
  function buildStrategy(form) {
    var q = function (sel) { return form.querySelector(sel); };
    var create = form.getAttribute('data-mode') === 'create';
    var semver = form.getAttribute('data-semver') === 'true';
    var o = {};
    o.versionId = Number(q('[name="versionId"]').value);
    var name = q('[name="name"]').value.trim();
    if (name !== '' || !create) {
      o.name = name;
    }
    o.description = q('[name="description"]').value;
    var channel = q('[name="channel"]').value.trim();
    if (channel !== '') {
      o.channel = channel;
    }
    o.rollback = q('[name="rollback"]').checked;
    if (q('[name="enabled"]')) {
      o.enabled = q('[name="enabled"]').checked;
    }
    o.upgradeType = Number(q('[name="upgradeType"]').value);
    var prompt = q('[name="promptText"]').value;
    if (prompt !== '' || !create) {
      o.promptText = prompt;
    }
    var stages = [];
    form.querySelectorAll('#strategy-stages .stage-row').forEach(function (row) {
      stages.push({ percentage: num(row.querySelector('.stage-percentage'), true),
        holdMinutes: num(row.querySelector('.stage-hold'), true) });
    });
    if (stages.length > 0) {
      o.stages = stages;
    } else {
      o.percentage = num(percentageField(form), true);
    }
    var target = radioValue(form, 'targeting-type');
    if (target === 'groups') {
      o.targeting = { type: 'groups', groupIds: checkedValues(form, '.target-group', true) };
    } else if (target === 'models') {
      o.targeting = { type: 'models', modelKeys: checkedValues(form, '.target-model', false) };
    } else {
      o.targeting = { type: 'all' };
    }
    var source = radioValue(form, 'source-type');
    if (source === 'listed') {
      o.source = { type: 'listed', versionIds: checkedValues(form, '.source-version', true) };
    } else if (source === 'range') {
      var bound = function (el) {
        var v = el.value.trim();
        return v === '' ? null : (semver ? v : num(el, false));
      };
      o.source = { type: 'range', from: bound(q('#source-from')), to: bound(q('#source-to')) };
    } else {
      o.source = { type: 'all' };
    }
    ['begin', 'end'].forEach(function (k) {
      var v = q('[name="' + k + '"]').value;
      if (v !== '') {
        o[k] = toUtc(v);
      }
    });
    o.health = { failureThreshold: num(q('#health-failure'), false), minAttempts: num(q('#health-min'), true),
      successThreshold: num(q('#health-success'), false) };
    o.grayRules = jsonList(q('#strategy-gray'));
    o.flowRules = jsonList(q('#strategy-flow'));
    if (create && o.grayRules.length === 0) {
      delete o.grayRules;
    }
    if (create && o.flowRules.length === 0) {
      delete o.flowRules;
    }
    return o;
  }

  var initialStrategy = null;

  /**
   * The requests that save the editor. Creating sends everything. Editing sends only what changed: an unchanged
   * stage list must not restart at its first stage. Removing every stage and setting a percentage takes two
   * requests, because the API refuses both in one.
   */
  function strategyRequests(form) {
    var now = buildStrategy(form);
    if (form.getAttribute('data-mode') === 'create') {
      return [now];
    }
    var patch = {};
    Object.keys(now).forEach(function (k) {
      if (JSON.stringify(now[k]) !== JSON.stringify(initialStrategy[k])) {
        patch[k] = now[k];
      }
    });
    if (initialStrategy.stages && !now.stages) {
      patch.stages = [];
    }
    if (patch.stages && patch.stages.length > 0) {
      delete patch.percentage;
    }
    if (patch.stages && patch.stages.length === 0 && patch.percentage !== undefined) {
      var pct = patch.percentage;
      delete patch.percentage;
      return [patch, { percentage: pct }];
    }
    return Object.keys(patch).length === 0 ? [] : [patch];
  }

  function stagesChanged(form) {
    var any = form.querySelectorAll('#strategy-stages .stage-row').length > 0;
    ['rollout-percentage', 'rollout-percentage-number'].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) {
        el.disabled = any;
      }
    });
  }

  function setupStrategy(form) {
    var slider = document.getElementById('rollout-percentage');
    if (slider) {
      slider.setAttribute('data-last', slider.value);
    }
    var template = document.getElementById('stage-row-template');
    var list = document.getElementById('strategy-stages');
    form.addEventListener('click', function (e) {
      if (e.target.closest('#stage-add')) {
        list.appendChild(template.content.cloneNode(true));
        var rows = list.querySelectorAll('.stage-row');
        rows[rows.length - 1].querySelector('input').focus();
        stagesChanged(form);
      }
      var remove = e.target.closest('.stage-remove');
      if (remove) {
        remove.closest('.stage-row').remove();
        stagesChanged(form);
        document.getElementById('stage-add').focus();
      }
    });
    stagesChanged(form);
    if (form.getAttribute('data-mode') === 'edit') {
      try {
        initialStrategy = buildStrategy(form);
      } catch (e) {
        initialStrategy = {};
      }
    }
  }

  // ---- artifact upload ------------------------------------------------------------------------------------------

  function describeBytes(n) {
    if (n < 1024) {
      return n + ' B';
    }
    var units = ['KiB', 'MiB', 'GiB', 'TiB'];
    var u = -1;
    do {
      n /= 1024;
      u++;
    } while (n >= 1024 && u < units.length - 1);
    return n.toFixed(1) + ' ' + units[u];
  }

  function showUpload(box, artifact) {
    var out = document.getElementById('artifact-result');
    out.textContent = '';
    var h = document.createElement('h3');
    h.textContent = 'Stored ' + artifact.fileName;
    out.appendChild(h);
    var dl = document.createElement('dl');
    dl.className = 'hashes';
    [['Role', 'role'], ['Format', 'format'], ['Size (bytes)', 'size'], ['sha256', 'sha256'], ['sha512', 'sha512'],
      ['md5', 'md5']].forEach(function (f) {
      if (artifact[f[1]] === undefined) {
        return;
      }
      var dt = document.createElement('dt');
      dt.textContent = f[0];
      var dd = document.createElement('dd');
      var code = document.createElement('code');
      code.className = 'hash';
      code.id = 'artifact-result-' + f[1];
      code.textContent = String(artifact[f[1]]);
      dd.appendChild(code);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    out.appendChild(dl);
    out.hidden = false;
    out.focus();
  }

  function upload(box, file) {
    var role = document.getElementById('artifact-role').value;
    var nameField = document.getElementById('artifact-name');
    var name = nameField.value.trim() || file.name;
    var url = box.getAttribute('data-upload-path') + '?role=' + encodeURIComponent(role) + '&fileName='
      + encodeURIComponent(name);
    var row = box.querySelector('.progress-row');
    var bar = document.getElementById('artifact-progress');
    var label = document.getElementById('artifact-progress-text');
    var input = document.getElementById('artifact-file');
    row.hidden = false;
    bar.value = 0;
    label.textContent = '0 of ' + describeBytes(file.size);
    input.disabled = true;
    announce('Uploading ' + name + ' (' + describeBytes(file.size) + ').');
    var xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    var sig = document.getElementById('artifact-signature');
    if (sig && sig.value.trim()) {
      xhr.setRequestHeader('X-Updater-Signature', sig.value.trim());
    }
    var ed = document.getElementById('artifact-ed-signature');
    if (ed && ed.value.trim()) {
      xhr.setRequestHeader('X-Sparkle-Signature', ed.value.trim());
    }
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        label.textContent = describeBytes(e.loaded) + ' of ' + describeBytes(e.total) + ' (' + bar.value + '%)';
      }
    });
    xhr.addEventListener('load', function () {
      input.disabled = false;
      input.value = '';
      var data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        data = null;
      }
      if (xhr.status === 200 && data) {
        bar.value = 100;
        label.textContent = 'Done: ' + describeBytes(file.size);
        showUpload(box, data);
        announce('Uploaded ' + data.fileName + '. sha256 ' + data.sha256 + '.');
        if (window.htmx && document.getElementById('version-files')) {
          window.htmx.ajax('GET', window.location.pathname,
            { target: '#version-files', select: '#version-files', swap: 'outerHTML' });
        }
      } else {
        label.textContent = 'Failed.';
        complain('Upload failed: ' + errorText({ status: xhr.status, data: data,
          retryAfter: xhr.getResponseHeader('Retry-After') }));
      }
    });
    xhr.addEventListener('error', function () {
      input.disabled = false;
      label.textContent = 'Failed.';
      complain('Upload failed: the connection broke. Try again.');
    });
    xhr.send(file);
  }

  function setupUpload(box) {
    var input = document.getElementById('artifact-file');
    var drop = document.getElementById('artifact-drop');
    input.addEventListener('change', function () {
      if (input.files && input.files.length > 0) {
        upload(box, input.files[0]);
      }
    });
    ['dragenter', 'dragover'].forEach(function (type) {
      drop.addEventListener(type, function (e) {
        e.preventDefault();
        drop.classList.add('dragging');
      });
    });
    ['dragleave', 'drop'].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove('dragging'); });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        upload(box, e.dataTransfer.files[0]);
      }
    });
  }

  // ---- start ----------------------------------------------------------------------------------------------------

  /** Keeps the percentage slider and its number field equal; remembers what the slider showed last. */
  function sync(e) {
    var target = e.target.getAttribute && e.target.getAttribute('data-sync');
    if (target) {
      var other = document.getElementById(target);
      if (other) {
        other.value = e.target.value;
      }
      var slider = document.getElementById('rollout-percentage');
      if (slider) {
        slider.setAttribute('data-last', slider.value);
      }
    }
  }

  document.addEventListener('input', sync);
  document.addEventListener('change', sync);

  /** The percentage to send: the exact number field, unless the slider was moved without an event (a script). */
  function percentageField(form) {
    var slider = form.querySelector('#rollout-percentage');
    var exact = form.querySelector('[name="percentage"]');
    if (slider && slider.hasAttribute('data-last') && slider.value !== slider.getAttribute('data-last')) {
      exact.value = slider.value;
      slider.setAttribute('data-last', slider.value);
    }
    return exact;
  }

  document.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('[data-kind-select]')) {
      applyKind(e.target);
    }
  });

  function start() {
    var flash = null;
    try {
      flash = window.sessionStorage.getItem(FLASH);
      window.sessionStorage.removeItem(FLASH);
    } catch (e) {
      flash = null;
    }
    if (flash) {
      announce(flash);
    }
    document.querySelectorAll('[data-kind-select]').forEach(applyKind);
    var strategy = document.querySelector('form[data-builder="strategy"]');
    if (strategy) {
      setupStrategy(strategy);
    }
    var box = document.querySelector('[data-upload-path]');
    if (box) {
      setupUpload(box);
    }
    var code = document.getElementById('setup-code');
    if (code && window.location.hash.indexOf('#code=') === 0) {
      code.value = decodeURIComponent(window.location.hash.slice('#code='.length));
      // The code is a secret: keep it out of the address bar and the history.
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
