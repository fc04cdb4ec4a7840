"""The WeChat platform: API client, message crypto, signatures, safe XML, OAuth."""
