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
        from florilege.media.signals import picture_ready

        def published(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_published(scoop, now)

        def edited(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_edited(scoop, now)

        def unpublished(sender, scoop, now, **kwargs) -> None:
            outbox.on_scoop_removed(scoop, now)

        publication.scoop_published.connect(published, weak=False, dispatch_uid="fed-pub")
        publication.scoop_edited.connect(edited, weak=False, dispatch_uid="fed-edit")
        publication.scoop_unpublished.connect(unpublished, weak=False, dispatch_uid="fed-unpub")

        def picture_made(sender, picture, now, large_changed=True, **kwargs) -> None:
            # A scoop goes out when published, usually before its picture is made: the
            # servers that have its Note get an Update with the picture attached. A picture
            # made again whose large JPEG (the one attached) is the same file changes
            # nothing they have.
            if large_changed:
                outbox.on_picture_ready(picture, now)

        picture_ready.connect(picture_made, weak=False, dispatch_uid="fed-picture")
        self._show_reactions_on_cards()
        # The engagement desk answers on the fediverse through us.
        from florilege.curation.services import desk
        from florilege.federation.services.desk import answer, backfill

        desk.register_channel("fediverse", answer)
        desk.register_backfill(backfill)

    def _show_reactions_on_cards(self) -> None:
        # The public pages show the fediverse's likes and boosts on each card; publishing
        # offers a hook rather than importing federation, so the two apps point one way.
        from django.db.models.signals import post_delete, post_save

        from florilege.federation.models import Reaction
        from florilege.federation.services.counts import with_reaction_counts
        from florilege.publishing import cache, queries

        queries.add_card_annotation(with_reaction_counts)

        def reaction_changed(sender, instance: Reaction, **kwargs) -> None:
            cache.touch_scoop_topic(instance.scoop_id)

        for signal in (post_save, post_delete):
            signal.connect(reaction_changed, sender=Reaction, weak=False, dispatch_uid="fed-react")
