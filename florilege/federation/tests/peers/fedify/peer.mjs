// A small fediverse server built with Fedify, run by test_interop_fedify.py as a live peer.
//
//   node peer.mjs   (configured by the environment, see below; prints "ready" when serving)
//
// One account, alice, served over HTTPS at PEER_ORIGIN. Its key id is a *path*,
// https://host/users/alice/main-key, whose document is an actor stub carrying the key with
// its owner, the way GoToSocial publishes keys; Fedify's own default would be
// <actor>#main-key, which is why every send below names the key pair explicitly.
// Everything it sends and every document it fetches is signed by Fedify itself.
//
// The test drives it through a small control API (plain JSON over the same HTTPS port):
//   POST /_control/follow   {handle}           Follow an account (WebFinger, then Follow)
//   POST /_control/unfollow {handle}           Undo that Follow
//   POST /_control/reply    {to, object, content}  Create a Note inReplyTo `object`
//   POST /_control/like     {to, object}       Like; /_control/announce boosts
//   POST /_control/undo     {to, id}           Undo an activity sent earlier (by its id)
//   POST /_control/post     {content}          A public Note, sent to alice's followers
//   POST /_control/edit     {note, content}    Update that Note; /_control/delete deletes it
//   GET  /_control/inbox                       What alice received: [{type, id, raw}], raw
//                                              being the body as POSTed, plus `_signature`
//                                              ("rfc9421" or "draft-cavage")
//   GET  /_control/followers                   Who follows alice (their actor ids)
//
// Environment: PEER_ORIGIN (https://127.0.0.2:PORT), PEER_BIND (127.0.0.2), PEER_PORT,
// PEER_CERT and PEER_KEY (PEM files; the test authority reaches Node through
// NODE_EXTRA_CA_CERTS).

import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { randomUUID } from "node:crypto";
import {
  Accept, Activity, Announce, Create, CryptographicKey, Delete, Endpoints, Follow, Like,
  Note, PUBLIC_COLLECTION, Person, Tombstone, Undo, Update, createFederation,
  generateCryptoKeyPair, isActor, MemoryKvStore, Multikey,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill"; // Fedify's dates (Node 20 has none)
import { configure, getConsoleSink } from "@logtape/logtape";
import { AsyncLocalStorage } from "node:async_hooks";

// Fedify's own log (lookups, signatures, deliveries) goes to stderr: the test shows it
// when a step fails. PEER_LOG_LEVEL=debug for more.
await configure({
  sinks: { console: getConsoleSink() },
  contextLocalStorage: new AsyncLocalStorage(),
  loggers: [
    { category: "fedify", lowestLevel: process.env.PEER_LOG_LEVEL ?? "info", sinks: ["console"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
  ],
});

// Fedify 1.6+ declares Node >= 22 for one thing this peer uses: RFC 9421 signing calls
// ArrayBuffer.prototype.transfer (Node 21+). On Node 20 a copy does the same for it.
if (!ArrayBuffer.prototype.transfer) {
  ArrayBuffer.prototype.transfer = function transfer(length = this.byteLength) {
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(length, this.byteLength)));
    return copy;
  };
}

const ORIGIN = process.env.PEER_ORIGIN;
const ACTOR = new URL("/users/alice", ORIGIN);
const KEY_ID = new URL("/users/alice/main-key", ORIGIN); // a path, like GoToSocial's
const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
// Ed25519 for Object Integrity Proofs (FEP-8b32), which Fedify servers attach to every
// activity; Fedify names such a second key <actor>#key-2, so does this script.
const edKeys = await generateCryptoKeyPair("Ed25519");
const ED_KEY_ID = new URL("/users/alice#key-2", ORIGIN);
// HTTP signatures with the RSA key (the first), the proof with the Ed25519 one.
const sender = [
  { keyId: KEY_ID, privateKey: keys.privateKey },
  { keyId: ED_KEY_ID, privateKey: edKeys.privateKey },
];

// No message queue: activities are sent before a control call answers and inbox listeners
// run inside the POST, so the test sees every failure where it happens.
const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN,
  allowPrivateAddress: true, // Florilège runs on loopback in the test
});

const received = []; // what alice's inboxes accepted (signature verified by Fedify)
const rawById = new Map(); // each POSTed body as it came, by activity id
const followers = new Map(); // follower actor id -> actor object
const followIds = new Map(); // id of each Follow received -> its actor id
const following = new Map(); // handle -> {actor, follow}
const sent = new Map(); // activity id -> activity (for Undo)
const notes = new Map(); // note id -> Note, served at their ids
const posts = []; // the Create of each public post, for the outbox

function publicKey() {
  return new CryptographicKey({ id: KEY_ID, owner: ACTOR, publicKey: keys.publicKey });
}

function alice() {
  return new Person({
    id: ACTOR,
    preferredUsername: "alice",
    name: "Alice (Fedify peer)",
    url: new URL("/@alice", ORIGIN),
    inbox: new URL("/users/alice/inbox", ORIGIN),
    outbox: new URL("/users/alice/outbox", ORIGIN),
    followers: new URL("/users/alice/followers", ORIGIN),
    endpoints: new Endpoints({ sharedInbox: new URL("/inbox", ORIGIN) }),
    publicKey: publicKey(),
    assertionMethods: [
      new Multikey({ id: ED_KEY_ID, controller: ACTOR, publicKey: edKeys.publicKey }),
    ],
  });
}

// The outbox lists alice's public posts (newest first), as servers without feeds expose them.
federation.setOutboxDispatcher("/users/{identifier}/outbox", (ctx, identifier) =>
  identifier === "alice" ? { items: [...posts].reverse() } : null);

federation.setFollowersDispatcher("/users/{identifier}/followers", (ctx, identifier) =>
  identifier === "alice" ? { items: [...followers.values()] } : null);

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) =>
  notes.get(new URL(`/users/${values.identifier}/notes/${values.id}`, ORIGIN).href) ?? null);

// Fedify needs the key pairs to handle a POST to alice's own inbox; it names them
// <actor>#main-key itself (hard-coded in 1.10), and signs with that id the GETs it makes
// while handling such a POST. Everything this script sends, and every GET made for the
// shared inbox, uses the path-style id.
federation.setActorDispatcher("/users/{identifier}", (ctx, identifier) =>
  identifier === "alice" ? alice() : null)
  .mapHandle((ctx, username) => username === "alice" ? "alice" : null) // WebFinger name
  .setKeyPairsDispatcher((ctx, identifier) => identifier === "alice" ? [keys, edKeys] : []);

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .setSharedKeyDispatcher(() => sender[0])
  .withIdempotency("per-inbox")
  .on(Follow, async (ctx, follow) => {
    // Auto-accept, as most servers do for unlocked accounts.
    const actor = await follow.getActor({ documentLoader: loader(ctx) });
    if (!isActor(actor)) return;
    followers.set(actor.id.href, actor);
    followIds.set(follow.id?.href, actor.id.href);
    record(follow);
    await ctx.sendActivity(sender, actor, new Accept({
      id: newId("accepts"), actor: ACTOR, object: follow,
    }));
  })
  .on(Undo, (ctx, undo) => {
    // The Follow may be embedded or named by its id: either way its id says which it was.
    const follower = followIds.get(undo.objectId?.href);
    if (follower === undo.actorId?.href) followers.delete(follower);
    record(undo);
  })
  .on(Activity, (ctx, activity) => record(activity)); // Accept, Create, Update, Delete...

function record(activity) {
  const id = activity.id?.href ?? "";
  received.push({ type: activity.constructor.name, id, raw: rawById.get(id) ?? null });
}

function newId(kind) {
  return new URL(`/users/alice/${kind}/${randomUUID()}`, ORIGIN);
}

// Documents fetched with alice's key (signed GETs), so servers with authorized fetch answer.
function loader(ctx) {
  return ctx.getDocumentLoader(sender[0]);
}

async function lookupActor(ctx, handleOrUri) {
  const actor = await ctx.lookupObject(handleOrUri, { documentLoader: loader(ctx) });
  if (!isActor(actor)) throw new Error(`${handleOrUri} is not an actor`);
  return actor;
}

async function send(ctx, to, activity) {
  const actor = await lookupActor(ctx, to);
  await ctx.sendActivity(sender, actor, activity);
  sent.set(activity.id.href, activity);
  return { id: activity.id.href, actor: actor.id.href };
}

const control = {
  async follow(ctx, { handle }) {
    const actor = await lookupActor(ctx, handle); // WebFinger, then the actor (signed)
    const follow = new Follow({ id: newId("follows"), actor: ACTOR, object: actor.id });
    await ctx.sendActivity(sender, actor, follow);
    following.set(handle, { actor, follow });
    return { id: follow.id.href, actor: actor.id.href };
  },
  async unfollow(ctx, { handle }) {
    const { actor, follow } = following.get(handle);
    const undo = new Undo({ id: newId("undos"), actor: ACTOR, object: follow });
    await ctx.sendActivity(sender, actor, undo);
    following.delete(handle);
    return { id: undo.id.href };
  },
  async reply(ctx, { to, object, content }) {
    const note = new Note({
      id: newId("notes"), attribution: ACTOR, replyTarget: new URL(object), content,
      to: PUBLIC_COLLECTION, ccs: [new URL(to)], published: Temporal.Now.instant(),
    });
    notes.set(note.id.href, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`), actor: ACTOR, object: note,
      to: PUBLIC_COLLECTION, ccs: [new URL(to)],
    });
    return { ...(await send(ctx, to, create)), note: note.id.href };
  },
  like: (ctx, { to, object }) =>
    send(ctx, to, new Like({ id: newId("likes"), actor: ACTOR, object: new URL(object) })),
  announce: (ctx, { to, object }) => send(ctx, to, new Announce({
    id: newId("announces"), actor: ACTOR, object: new URL(object),
    to: PUBLIC_COLLECTION, ccs: [new URL(to)],
  })),
  undo: (ctx, { to, id }) =>
    send(ctx, to, new Undo({ id: newId("undos"), actor: ACTOR, object: sent.get(id) })),
  async post(ctx, { content }) {
    const note = new Note({
      id: newId("notes"), attribution: ACTOR, content, to: PUBLIC_COLLECTION,
      url: new URL(`/@alice/${randomUUID()}`, ORIGIN), published: Temporal.Now.instant(),
    });
    notes.set(note.id.href, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`), actor: ACTOR, object: note, to: PUBLIC_COLLECTION,
    });
    posts.push(create);
    await ctx.sendActivity(sender, [...followers.values()], create);
    return { id: create.id.href, note: note.id.href, recipients: followers.size };
  },
  async edit(ctx, { note: id, content }) {
    const note = notes.get(id).clone({ content, updated: Temporal.Now.instant() });
    notes.set(id, note);
    const update = new Update({ id: newId("updates"), actor: ACTOR, object: note,
      to: PUBLIC_COLLECTION });
    await ctx.sendActivity(sender, [...followers.values()], update);
    return { id: update.id.href };
  },
  async delete(ctx, { note: id }) {
    notes.delete(id);
    posts.splice(posts.findIndex((create) => create.objectId?.href === id), 1);
    const del = new Delete({ id: newId("deletes"), actor: ACTOR, to: PUBLIC_COLLECTION,
      object: new Tombstone({ id: new URL(id) }) });
    await ctx.sendActivity(sender, [...followers.values()], del);
    return { id: del.id.href };
  },
};

async function handleControl(request, url) {
  if (request.method === "GET" && url.pathname === "/_control/inbox") return json(received);
  if (request.method === "GET" && url.pathname === "/_control/followers") {
    return json([...followers.keys()]);
  }
  const action = control[url.pathname.slice("/_control/".length)];
  if (request.method !== "POST" || !action) return json({ error: "unknown" }, 404);
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  try {
    return json(await action(ctx, await request.json()));
  } catch (error) {
    console.error(error);
    return json({ error: String(error?.stack ?? error) }, 502);
  }
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status, headers: { "content-type": "application/json" },
  });
}

async function keyDocument() {
  // GoToSocial's shape: the key id answers an actor stub whose publicKey names its owner.
  const stub = new Person({ id: ACTOR, preferredUsername: "alice", publicKey: publicKey() });
  return new Response(JSON.stringify(await stub.toJsonLd()), {
    headers: { "content-type": "application/activity+json" },
  });
}

// Node's http request -> a Fetch API Request for Fedify, and back.
async function serve(req, res) {
  const url = new URL(req.url, ORIGIN);
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (req.method === "POST" && url.pathname.endsWith("inbox")) {
    try {
      const activity = JSON.parse(body.toString("utf8"));
      const spec = req.headers["signature-input"] ? "rfc9421" : "draft-cavage";
      rawById.set(activity.id, { ...activity, _signature: spec });
    } catch {
      // not JSON: Fedify answers it
    }
  }
  const request = new Request(url, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => [name, v])),
    body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
  });
  let response;
  if (url.pathname.startsWith("/_control/")) response = await handleControl(request, url);
  else if (url.pathname === KEY_ID.pathname) response = await keyDocument();
  else response = await federation.fetch(request, { contextData: undefined });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

createServer({
  cert: readFileSync(process.env.PEER_CERT), key: readFileSync(process.env.PEER_KEY),
}, (req, res) => serve(req, res).catch((error) => {
  console.error(error);
  res.writeHead(500).end(String(error));
})).listen(Number(process.env.PEER_PORT), process.env.PEER_BIND, () => console.log("ready"));
