"""Local stand-ins for Google and Microsoft that speak their documented REST shapes over HTTPS.

The real google-api-python-client, google-auth-oauthlib and msal talk to them: pointed here by
the settings' endpoints, and trusting the fakes' test certificate authority through the
libraries' own environment variables (REQUESTS_CA_BUNDLE for requests, HTTPLIB2_CA_CERTS for
httplib2).
"""
