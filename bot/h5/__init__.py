"""The pages opened inside WeChat (/h5/): gallery, entry, page vote, media, upload."""
