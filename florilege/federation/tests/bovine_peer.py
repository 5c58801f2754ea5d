"""Start a bovine-herd server on 127.0.0.1 for the interop test (run as a subprocess).

    python -m florilege.federation.tests.bovine_peer <port> <folder>

Registers one actor under ``http://127.0.0.1:<port>`` (bovine federates over plain HTTP
when its domain says so), gives it an Ed25519 identity for Moo-Auth-1 (how bovine's own
client posts to the actor's outbox), writes ``peer.json`` (actor id, secret) to
``folder`` and serves until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


async def prepare(db_url: str, domain: str) -> dict[str, str]:
    from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key
    from bovine_store import bovine_admin_store
    from tortoise import Tortoise

    async with bovine_admin_store(db_url=db_url, domain=domain) as store:
        await Tortoise.generate_schemas()
        name = await store.register("peer")
        secret = generate_ed25519_private_key()
        did_key = private_key_to_did_key(secret)
        await store.add_identity_string_to_actor(name, "interop", did_key)
        actor = await store.actor_for_name(name)
        actor_id = actor.actor_object.id
    return {"name": name, "secret": secret, "actor_id": actor_id}


async def serve(port: int, folder: Path) -> None:
    from bovine_herd import BovineHerd
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config
    from quart import Quart

    db_url = f"sqlite://{folder / 'bovine.sqlite3'}"
    domain = f"http://127.0.0.1:{port}"
    info = await prepare(db_url, domain)
    app = Quart(__name__)
    BovineHerd(app, db_url=db_url)
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    (folder / "peer.json").write_text(json.dumps(info))
    await hypercorn_serve(app, config)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
