"""A database that goes away under a running function is a 503 to retry, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from common.db import dispose_engines
from tests.admin.support import ADMIN, admin_client
from tests.health.proxy import TcpProxy
from tests.health.support import via_port


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_admin_answers_503_while_postgres_is_gone_and_200_once_it_is_back(db_url: str) -> None:
    target = make_url(db_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    try:
        client = admin_client(DATABASE_URL=via_port(db_url, proxy.port))
        assert client.get("/channels", headers=ADMIN).status_code == 200
        proxy.stop()  # the server looks stopped: every pooled connection is cut
        answer = client.get("/channels", headers=ADMIN)
        assert answer.status_code == 503, answer.get_data(as_text=True)
        error = answer.get_json()["error"]
        assert error["code"] == "database_unavailable"
        assert "try again" in error["message"]
        proxy.start()
        assert client.get("/channels", headers=ADMIN).status_code == 200
    finally:
        proxy.stop()
        dispose_engines()
