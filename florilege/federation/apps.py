from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "florilege.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        # Curation announces publication changes as signals; federation listens, so the
        # curation services need not know that the fediverse exists.
        from florilege.curation.services import publication
        from florilege.federation.services import outbox

        def published(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_published(scoop, now)

        def edited(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_edited(scoop, now)

        def unpublished(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_removed(scoop, now)

        publication.scoop_published.connect(published, weak=False, dispatch_uid="fed-pub")
        publication.scoop_edited.connect(edited, weak=False, dispatch_uid="fed-edit")
        publication.scoop_unpublished.connect(unpublished, weak=False, dispatch_uid="fed-unpub")
