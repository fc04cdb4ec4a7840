"""Entry videos: probing, checking, posters, the MP4 sample walks, storage and quotas."""
