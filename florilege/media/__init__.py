"""Pictures we serve ourselves: a scoop's (or an upload's) picture fetched once by a
worker, checked, stripped of its metadata and made into thumbnails in our own storage."""
