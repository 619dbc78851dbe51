"""`kith demo` fills the loyalty pillar with multilingual sample data, once."""
import random

from app.core import db as database
from app.core.db import write_transaction
from app.loyalty.demo import load_demo
from app.loyalty.models import LedgerEntry, Reward, Tier


def test_demo_data_has_rules_tiers_rewards_and_multilingual_histories(app, users):
    with app.test_request_context(), database.db.connection_context():
        with write_transaction():
            summary = load_demo(random.Random(7))
        assert summary.startswith("loyalty: 9 rules, 4 tiers, 4 rewards")
        assert Tier.select().count() == 4
        assert Reward.get(Reward.cost == 60).name_in("zh") == "图书馆帆布书袋"
        assert LedgerEntry.select().count() > 12
        with write_transaction():
            assert load_demo(random.Random(7)) == "loyalty: demo data already there"
        assert Reward.select().count() == 4
