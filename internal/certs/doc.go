// Package certs is the TLS side of the listeners: certificates from PEM
// files chosen by SNI, reloaded when the files change without a failed
// handshake, session ticket keys rotated, client certificate verification,
// and ACME certificates through certmagic. internal/server wraps its
// listeners with the *tls.Config a Manager gives; everything that changes
// on reload is behind GetConfigForClient, so the listener never restarts.
package certs
