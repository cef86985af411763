// herald-client: one connection to herald per instance, over WebSocket,
// Server-Sent Events or long-poll (in order of preference, falling back when
// one cannot get through), that resumes from the last event id after every
// reconnect, learns the server's heartbeat to notice a dead connection, and
// spreads its reconnects with exponential backoff and full jitter.
// README "JavaScript client" is the user's guide; index.d.ts the reference.

const WS = 'websocket';
const SSE = 'sse';
const POLL = 'longpoll';

export class HeraldError extends Error {
  // code: unauthorized | forbidden | bad_request (herald refused the
  // connection), kicked (an operator ended the user's sessions: the message
  // is the operator's reason), queue_full, unsupported, timeout,
  // disconnected, closed, or the code of herald's {"type":"error"} answer.
  constructor(message, code, status) {
    super(message);
    this.name = 'HeraldError';
    this.code = code;
    if (status) this.status = status;
  }
}

// herald's channel names (README Protocol): a bad one would make herald
// refuse the whole connection, so it is refused here, where it is made.
const CHANNEL = /^[\w\-:.@/=]{1,200}$/;
const checkChannel = (channel) => {
  if (!CHANNEL.test(channel)) throw new TypeError(`invalid channel name: ${channel}`);
};

const report = (error) => (globalThis.reportError || console.error)(error);

class Emitter {
  constructor() { this._on = {}; }

  // Returns a function that removes the listener.
  on(type, fn) {
    (this._on[type] ||= new Set()).add(fn);
    return () => this.off(type, fn);
  }

  off(type, fn) { this._on[type]?.delete(fn); }

  _emit(type, arg) {
    for (const fn of [...(this._on[type] || [])]) {
      try { fn(arg); } catch (error) { report(error); }
    }
  }
}

export class Subscription extends Emitter {
  constructor(herald, channel, { onEvent, onReset, onError } = {}) {
    super();
    this.herald = herald;
    this.channel = channel;
    this.lastEventId = null;
    this.active = true;
    this._handlers = { onEvent, onReset, onError };
  }

  // [{user, connections, info?}] of the channel (WebSocket only).
  presence() {
    return this.herald._request({ type: 'presence', channel: this.channel });
  }

  unsubscribe() {
    if (!this.active) return;
    this.active = false;
    this.herald._unsubscribe(this);
  }

  _call(name, arg) {
    try { this._handlers[name]?.(arg); } catch (error) { report(error); }
  }
}

// A JWT's exp claim in ms, or Infinity for a token that is not a JWT.
function expiry(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(part)).exp;
    return exp ? exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}

export class Herald extends Emitter {
  constructor(url, options = {}) {
    super();
    const g = globalThis;
    this.url = String(url).replace(/\/*$/, '/');
    this.options = {
      transports: [WS, SSE, POLL],
      minDelay: 500,
      maxDelay: 20000,
      stableAfter: 5000,
      fallbackAfter: 2,
      timeout: 10000,
      pollTimeout: 25000,
      hiddenAfter: 60000,
      maxQueue: 100,
      ...options,
    };
    const o = this.options;
    this.WebSocket = o.WebSocket || g.WebSocket;
    this.EventSource = o.EventSource || g.EventSource;
    this.fetch = o.fetch || g.fetch?.bind(g);
    this.state = 'connecting';
    this.transport = o.transports[0];
    this.error = null;
    this.lastEventId = o.lastEventId || null;
    this._subs = new Map(); // channel -> Set<Subscription>
    this._queue = [];        // requests waiting for a WebSocket
    this._inflight = [];     // requests sent, waiting for their answer
    this._seen = new Map();  // recent "channel id" keys: no event twice
    this._attempt = 0;
    this._fails = 0;         // open failures of this transport in a row
    this._gen = 0;
    this._t = 0;             // index in transports
    this._refs = 0;
    // Refs of sends: unique beyond this instance, as the application may
    // deduplicate by them (a send is sent again after a lost connection).
    this._refPrefix = Math.random().toString(36).slice(2, 10);
    this._token = null;
    this._refused = false;   // refused since the last connection: a new token was asked for

    // Browser life: a network that comes back, a tab shown after long.
    const win = o.window ?? (g.document ? g : null);
    const doc = o.document ?? g.document;
    this._unlisten = [];
    const listen = (target, type, fn) => {
      if (!target?.addEventListener) return;
      target.addEventListener(type, fn);
      this._unlisten.push(() => target.removeEventListener(type, fn));
    };
    listen(win, 'online', () => this._wake(false));
    listen(doc, 'visibilitychange', () => {
      if (doc.visibilityState === 'hidden') this._hiddenAt = Date.now();
      else if (this._hiddenAt && Date.now() - this._hiddenAt >= o.hiddenAfter) this._wake(true);
    });
    this._timer = setTimeout(() => this._connect());
  }

  subscribe(channel, handlers) {
    checkChannel(channel);
    const sub = new Subscription(this, channel, handlers);
    if (this.state === 'closed') return sub;
    const set = this._subs.get(channel) || new Set();
    this._subs.set(channel, set.add(sub));
    if (this._conn?.joined?.has(channel) && this._live) {
      queueMicrotask(() => sub.active && sub._emit('subscribed'));
    }
    this._resync();
    return sub;
  }

  // Resolves to {id} (null for an ephemeral event) once herald took it.
  publish(channel, event, data, { ephemeral, id } = {}) {
    const msg = { type: 'publish', channel, event, data };
    if (ephemeral) msg.ephemeral = true;
    if (id) msg.id = id;
    return this._request(msg);
  }

  // Upstream to the application; resolves once herald has handed it over.
  send(channel, data) {
    return this._request({ type: 'send', channel, data, ref: `${this._refPrefix}-${++this._refs}` });
  }

  // Connects now if waiting to reconnect (what the `online` event does);
  // after `failed`, starts again with a new token (the user logged in again).
  reconnect() {
    if (this.state === 'failed') {
      this.error = this._token = null;
      this._refused = false;
      this._attempt = 0;
      this.state = 'disconnected';
    }
    this._wake(false);
  }

  close() {
    if (this.state === 'closed') return;
    this._drop();
    clearTimeout(this._timer);
    this._unlisten.forEach((fn) => fn());
    this._rejectAll(new HeraldError('closed', 'closed'));
    this._set('closed');
  }

  // ---- connection ----

  _closed() { return this.state === 'closed' || this.state === 'failed'; }

  _set(state, delay = 0) {
    if (state === 'connected' && this.state === state) return;
    this.state = state;
    this._emit('state', { state, transport: this.transport, attempt: this._attempt, delay, error: this.error });
  }

  async _connect(quiet) {
    clearTimeout(this._timer);
    if (this._closed()) return;
    this._drop();
    const gen = this._gen;
    const o = this.options;
    const transport = (this.transport = o.transports[this._t]);
    if (!quiet) this._set('connecting', this._delay);
    let token;
    try {
      token = await this._getToken();
    } catch (error) {
      if (gen === this._gen) this._retry(error);
      return;
    }
    const channels = [...this._subs.keys()];
    if (gen !== this._gen) return;
    // SSE and long-poll need a channel; they open with the first subscribe.
    if (transport !== WS && !channels.length) return (this._idle = true);
    const conn = (this._conn = { transport, channels, joined: new Set() });
    this._openTimer = setTimeout(() => this._lost(gen), o.timeout);
    const url = (path, extra) => this._url(path, channels, token, extra);
    const onError = () => this._lost(gen);

    if (transport === POLL) return this._poll(gen, url);
    if (transport === SSE) {
      const es = new this.EventSource(url('events', { client: 1 }), { withCredentials: !!o.withCredentials });
      conn.close = () => es.close();
      es.onmessage = (m) => {
        if (gen !== this._gen) return;
        const msg = JSON.parse(m.data);
        this._frame(msg);
        // The hello and a reset carry the stream's position (@boot-seq): the
        // resume point until an event gives one.
        if ((msg.type === 'hello' && this.lastEventId == null) || msg.type === 'reset') {
          this.lastEventId = m.lastEventId || null;
        }
      };
      es.onerror = onError;
      return;
    }
    const ws = new this.WebSocket(url('ws', { client: 1 }));
    conn.close = () => ws.close();
    conn.send = (msg) => ws.send(JSON.stringify(msg));
    ws.onmessage = (m) => gen === this._gen && this._frame(JSON.parse(m.data));
    ws.onerror = onError;
    // 4001: the token expired unanswered; the reconnect takes a new one.
    // 4002: an operator disconnected the user (README "Admin API").
    ws.onclose = (e) => {
      if (gen !== this._gen) return;
      if (e.code === 4002) return this._kicked(e.reason);
      if (e.code === 4001) this._token = null;
      onError();
    };
  }

  async _poll(gen, url) {
    const o = this.options;
    const conn = this._conn;
    let cursor = this.lastEventId;
    let wait = 0; // the first poll answers at once, with a cursor to go on from
    while (gen === this._gen) {
      const abort = new AbortController();
      conn.close = () => abort.abort();
      const timer = setTimeout(() => abort.abort(), wait + o.timeout);
      let res;
      let body;
      try {
        res = await this.fetch(url('poll', { lastEventId: cursor, timeout: `${wait}ms` }), {
          signal: abort.signal,
          credentials: o.withCredentials ? 'include' : 'same-origin',
        });
        body = await res.json();
      } catch {
        body = null;
      } finally {
        clearTimeout(timer);
      }
      if (gen !== this._gen) return;
      if (res?.status !== 200 || !body) return this._lost(gen, res, body);
      if (body.disconnect) return this._kicked(body.reason);
      if (!this._live) this._opened();
      if (body.reset) this._reset();
      for (const event of body.events) this._event(event);
      cursor = body.lastEventId || cursor;
      wait = o.pollTimeout;
    }
  }

  _url(path, channels, token, extra) {
    const u = new URL(path, this.url);
    u.protocol = u.protocol.replace(/^(http|ws)/, path === 'ws' ? 'ws' : 'http');
    const q = u.searchParams;
    for (const c of channels) q.append('channel', c);
    for (const [k, v] of Object.entries({ lastEventId: this.lastEventId, token, ...extra })) {
      if (v != null) q.set(k, v);
    }
    return u.href;
  }

  async _getToken() {
    const o = this.options;
    if (!o.getToken) return o.token;
    if (!this._token || expiry(this._token) < Date.now() + 5000) {
      this._token = await o.getToken();
    }
    return this._token;
  }

  // herald asks for a new token before the connection's expires: the
  // application's, sent on the same connection (nothing to resume).
  async _refresh(conn) {
    if (!this.options.getToken) return; // a fixed token: herald closes at exp, the reconnect fails
    this._token = null;
    try {
      const token = await this._getToken();
      if (conn === this._conn) conn.send({ type: 'refresh', token });
    } catch (error) {
      report(error); // herald closes at exp; the reconnect asks getToken again
    }
  }

  // The connection works: herald's hello (WebSocket, SSE; SSE's comes once
  // its channels are live) or the first poll answer.
  _opened() {
    const o = this.options;
    const conn = this._conn;
    clearTimeout(this._openTimer);
    this._live = true;
    this._fails = 0;
    this._refused = false;
    this._stable = setTimeout(() => { this._attempt = 0; }, o.stableAfter);
    this._set('connected');
    if (conn.transport !== WS) {
      for (const c of conn.channels) this._joined(c);
      this._rejectAll(new HeraldError(`needs the WebSocket transport, connected over ${conn.transport}`, 'unsupported'));
    }
    this._sync();
    for (const req of this._queue.splice(0)) this._sendRequest(req);
  }

  _joined(channel) {
    this._conn.joined.add(channel);
    for (const sub of this._subs.get(channel) || []) sub._emit('subscribed');
  }

  // The connection failed or went quiet for too long. A connection that
  // never opened asks herald why (a WebSocket or an EventSource cannot read
  // a refusal): a refusal ends here or fetches a new token; a transport
  // that herald would have served counts toward falling back to the next.
  async _lost(gen, res, body) {
    if (gen !== this._gen || this._closed()) return;
    const live = this._live;
    const { transport, channels } = this._conn || {};
    const requeue = this._inflight.filter((r) => r.msg.type !== 'publish');
    for (const r of this._inflight) {
      if (r.msg.type === 'publish') this._settle(r, new HeraldError('connection lost: may or may not be published', 'disconnected'));
    }
    this._inflight = [];
    this._queue.unshift(...requeue.map((r) => (clearTimeout(r.timer), r)));
    this._drop();
    const next = this._gen;
    if (live) return this._retry();
    if (!res) [res, body] = await this._check(channels || []);
    if (next !== this._gen || this._closed()) return;
    let status = res?.status;
    // Without channels, "channel: required" means that the token passed.
    if (status === 400 && !channels?.length) status = 200;
    if ([400, 401, 403].includes(status) && body?.error) {
      // herald's own refusal (a proxy's answer has no JSON error).
      if (this.options.getToken && !this._refused && status !== 400) {
        this._refused = true;
        this._token = null;
        return this._retry(null, 0);
      }
      this.error = new HeraldError(body.error, status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'bad_request', status);
      this._rejectAll(this.error);
      return this._set('failed');
    }
    if (status && ++this._fails >= this.options.fallbackAfter) {
      this._fails = 0;
      this._t = (this._t + 1) % this.options.transports.length;
    }
    this._retry();
  }

  // What herald answers a poll that returns at once: its refusal, if any.
  async _check(channels) {
    if (!this.fetch) return [];
    try {
      const token = await this._getToken();
      const res = await this.fetch(this._url('poll', channels, token, { timeout: 0, lastEventId: null }), {
        signal: AbortSignal.timeout(this.options.timeout),
        credentials: this.options.withCredentials ? 'include' : 'same-origin',
      });
      return [res, await res.json().catch(() => null)];
    } catch {
      return [];
    }
  }

  _retry(error, delay) {
    const o = this.options;
    this._attempt++;
    if (delay === undefined) {
      delay = Math.random() * Math.min(o.maxDelay, o.minDelay * 2 ** (this._attempt - 1));
    }
    this._delay = delay;
    this._set('disconnected', delay);
    if (error) report(error);
    this._timer = setTimeout(() => this._connect(), delay);
  }

  _drop() {
    const conn = this._conn;
    this._gen++;
    this._conn = null;
    this._live = this._idle = false;
    clearTimeout(this._openTimer);
    clearTimeout(this._stable);
    clearTimeout(this._dog);
    try { conn?.close?.(); } catch { /* already closed */ }
  }

  // Back online, or shown after a long hidden time (a laptop that slept):
  // connect now if waiting to; otherwise make sure the connection lives.
  _wake(hidden) {
    if (this.state === 'disconnected') return this._connect();
    const conn = this._conn;
    const gen = this._gen;
    const asked = Date.now();
    const hb = this._heartbeat || 30000;
    if (!hidden || !this._live || conn.transport === POLL) return;
    if (!conn.send) return asked - this._heard >= hb && this._lost(gen);
    conn.send({ type: 'ping' });
    setTimeout(() => this._heard < asked && this._lost(gen), Math.min(hb, this.options.timeout));
  }

  // Dead-connection detection: nothing (event, heartbeat, pong) for twice
  // the server's heartbeat interval. A WebSocket client pings after one
  // interval of quiet, since a browser cannot see herald's own pings.
  _watch() {
    clearTimeout(this._dog);
    const conn = this._conn;
    const hb = this._heartbeat || 30000;
    const quiet = Date.now() - this._heard;
    if (quiet >= 2 * hb) return this._lost(this._gen);
    if (conn.send && quiet >= hb) conn.send({ type: 'ping' });
    this._dog = setTimeout(() => this._watch(), hb / 4);
  }

  // ---- messages ----

  _frame(m) {
    const conn = this._conn;
    this._heard = Date.now();
    switch (m.type) {
      case undefined: return this._event(m);
      case 'hello': // WebSocket: before the channels are live, which `subscribed` says
        this._heartbeat = m.heartbeat;
        this._opened();
        return this._watch();
      case 'subscribed':
        // Where the subscription went live: the resume point until an event gives one.
        if (m.position && this.lastEventId == null) this.lastEventId = m.position;
        return this._joined(m.channel);
      case 'unsubscribed':
        conn.joined.delete(m.channel);
        // With a reason, herald's own doing: an operator took the user off the channel.
        return m.reason && this._removed(m.channel);
      case 'reset': return this._reset();
      case 'error': return this._error(m);
      case 'refresh': return this._refresh(conn); // WebSocket: the token expires soon
      case 'refreshed': return;
      case 'disconnect': return this._kicked(m.reason); // SSE and long-poll's form of WS 4002
      case 'expired': // SSE: the stream ended with its token; reconnect with a new one
        this._token = null;
        this._drop();
        return this._retry(null, 0);
      default: // sent, published, presence
        return this._answer(m, (r) => (m.ref ? r.msg.ref === m.ref : m.type.startsWith(r.msg.type) && r.msg.channel === m.channel));
    }
  }

  _event(e) {
    if (e.id) {
      const key = `${e.channel} ${e.id}`;
      if (this._seen.has(key)) return;
      this._seen.set(key, 1);
      if (this._seen.size > 1000) this._seen.delete(this._seen.keys().next().value);
      this.lastEventId = e.id;
    }
    for (const sub of this._subs.get(e.channel) || []) {
      if (e.id) sub.lastEventId = e.id;
      if (e.event === 'join' || e.event === 'leave') sub._emit(e.event, e.data);
      else sub._call('onEvent', e);
    }
  }

  // An operator ended this user's sessions (POST /admin/disconnect): not a
  // failure to retry, so the client stops, as after a refusal, until the
  // application calls reconnect() (after a new login, say).
  _kicked(reason) {
    if (this._closed()) return;
    this._drop();
    this.error = new HeraldError(reason || 'disconnected', 'kicked');
    this._rejectAll(this.error);
    this._set('failed');
  }

  // An operator unsubscribed the user (POST /admin/unsubscribe): the
  // subscriptions end, with `unsubscribed`, rather than coming back on the
  // next reconnect.
  _removed(channel) {
    const set = this._subs.get(channel);
    if (!set) return;
    this._subs.delete(channel);
    if (this._conn) this._conn.channels = this._conn.channels.filter((c) => c !== channel);
    for (const sub of set) {
      sub.active = false;
      sub._emit('unsubscribed');
    }
    this._resync();
  }

  // History no longer covers the resume: every subscription reloads.
  _reset() {
    this.lastEventId = null;
    for (const set of this._subs.values()) for (const sub of set) sub._call('onReset');
  }

  // Answers carry the send's ref; the others name their channel in the text.
  _error(m) {
    const error = new HeraldError(m.message, m.code);
    const channel = / (?:to|channel) (\S+)$/.exec(m.message || '')?.[1];
    const publishError = m.code === 'duplicate_id' || m.code === 'unavailable' || m.code === 'uncertain';
    const match = (r) => (m.ref ? r.msg.ref === m.ref : channel ? r.msg.channel === channel : publishError && r.msg.type === 'publish');
    if (this._answer(m, match, error)) return;
    if (channel) for (const sub of this._subs.get(channel) || []) sub._call('onError', error);
    this._emit('error', error);
  }

  _answer(m, match, error) {
    const req = this._inflight.find(match);
    if (!req) return false;
    this._inflight.splice(this._inflight.indexOf(req), 1);
    const value = m.type === 'published' ? { id: m.id ?? null } : m.type === 'presence' ? m.members : undefined;
    this._settle(req, error, value);
    return true;
  }

  // ---- requests (WebSocket only): queued while disconnected ----

  _request(msg) {
    return new Promise((resolve, reject) => {
      const req = { msg, resolve, reject };
      const o = this.options;
      checkChannel(msg.channel);
      if ('data' in msg && msg.data === undefined) throw new TypeError('data: required');
      if (this._closed()) reject(this.error || new HeraldError('closed', 'closed'));
      else if (this._live && this._conn.send) this._sendRequest(req);
      else if (this._live) reject(new HeraldError(`needs the WebSocket transport, connected over ${this.transport}`, 'unsupported'));
      else if (this._queue.length >= o.maxQueue) reject(new HeraldError(`queue full (${o.maxQueue} messages waiting for a connection)`, 'queue_full'));
      else this._queue.push(req);
    });
  }

  _sendRequest(req) {
    req.timer = setTimeout(() => {
      this._inflight.splice(this._inflight.indexOf(req), 1);
      this._settle(req, new HeraldError('no answer in time', 'timeout'));
    }, this.options.timeout);
    this._inflight.push(req);
    this._conn.send(req.msg);
  }

  _settle(req, error, value) {
    clearTimeout(req.timer);
    if (error) req.reject(error);
    else req.resolve(value);
  }

  _rejectAll(error) {
    for (const req of this._queue.splice(0).concat(this._inflight.splice(0))) this._settle(req, error);
  }

  // ---- channel set ----

  _unsubscribe(sub) {
    const set = this._subs.get(sub.channel);
    set?.delete(sub);
    if (set?.size === 0) this._subs.delete(sub.channel);
    this._resync();
  }

  // Changes of the channel set are applied once per tick, so that a
  // subscribe undone at once (React's Strict Mode) costs nothing.
  _resync() {
    if (this._syncQueued) return;
    this._syncQueued = true;
    queueMicrotask(() => {
      this._syncQueued = false;
      this._sync();
    });
  }

  // WebSocket: subscribe and unsubscribe messages. SSE and long-poll:
  // reopen with the new set, resuming from the last event id.
  _sync() {
    const conn = this._conn;
    const want = [...this._subs.keys()];
    if (this._closed()) return;
    if (!conn) {
      if (this._idle && want.length) this._connect(true);
      return;
    }
    if (conn.send) {
      if (!this._live) return;
      for (const c of want) if (!conn.channels.includes(c)) conn.send({ type: 'subscribe', channel: c });
      for (const c of conn.channels) if (!want.includes(c)) conn.send({ type: 'unsubscribe', channel: c });
      conn.channels = want;
    } else if (want.join() !== conn.channels.join()) {
      if (want.length) this._connect(true);
      else {
        this._drop();
        this._idle = true;
      }
    }
  }
}
