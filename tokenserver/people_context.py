"""The token server's people services (candidate access, interview intake, the maintenance
loop with outgoing webhooks), built once from settings and the store, held by `AppContext`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from interview_store import InterviewStore
from interview_store.people_store import PeopleStore

from .candidate_access import CandidateAccess
from .candidate_intake import CandidateIntake
from .outgoing_webhooks import DeliveryOptions, WebhookSender
from .people_maintenance import PeopleMaintenance
from .settings import TokenServerSettings


@dataclass(frozen=True)
class PeopleContext:
    store: PeopleStore
    access: CandidateAccess
    intake: CandidateIntake
    maintenance: PeopleMaintenance

    @classmethod
    def build(cls, settings: TokenServerSettings, store: InterviewStore) -> PeopleContext:
        people = PeopleStore(store.engine)
        access = CandidateAccess(
            store=store,
            people=people,
            livekit_api_key=settings.livekit_api_key,
            livekit_api_secret=settings.livekit_api_secret.get_secret_value(),
            token_ttl=timedelta(seconds=settings.token_ttl_seconds),
        )
        sender = WebhookSender(
            people=people,
            options=DeliveryOptions(
                timeout_s=settings.webhook_timeout_seconds,
                max_attempts=settings.webhook_max_attempts,
                backoff_s=settings.webhook_backoff_seconds,
                allow_private=settings.webhook_allow_private_urls,
            ),
        )
        return cls(
            store=people,
            access=access,
            intake=CandidateIntake(
                people=people, access=access, self_serve_enabled=settings.self_serve_enabled
            ),
            maintenance=PeopleMaintenance(
                people=people,
                sender=sender,
                unused_after=access.unused_after,
                interval_s=settings.maintenance_interval_seconds,
            ),
        )
