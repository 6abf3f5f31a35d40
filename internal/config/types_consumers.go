package config

// Consumer is a named identity: who is calling. Authentication policies
// resolve a request to a consumer through one of its credentials; later
// policies (authorization, rate limiting, logs) read its name and groups.
type Consumer struct {
	// Name identifies the consumer in logs, metrics and the
	// X-Consumer-Name header sent upstream. Required, unique.
	Name string `yaml:"name"`
	// Groups are tiers or teams (e.g. free, paid, enterprise) that the acl
	// policy allows or denies and rate limits may key on.
	Groups []string `yaml:"groups"`
	// APIKeys are the consumer's keys for the key_auth policy.
	APIKeys []APIKey `yaml:"api_keys"`
	// BasicAuth are the consumer's users for the basic_auth policy.
	BasicAuth []BasicUser `yaml:"basic_auth"`
	// JWT maps verified tokens to this consumer by issuer and subject.
	JWT []JWTIdentity `yaml:"jwt"`
	// ClientCerts map verified client certificates (mutual TLS) to this
	// consumer for the mtls policy; see types_tls.go.
	ClientCerts []ClientCertIdentity `yaml:"client_certs"`
}

// APIKey is one API key. Exactly one of Key or SHA256 is given.
type APIKey struct {
	// Key is the key itself; write it as ${ENV} to keep it out of the file.
	Key string `yaml:"key"`
	// SHA256 is the hex SHA-256 of the key, so the config holds no secret.
	SHA256 string `yaml:"sha256"`
}

// BasicUser is one user name and password for basic_auth.
type BasicUser struct {
	// Username is matched exactly. Required, unique across consumers.
	Username string `yaml:"username"`
	// PasswordBcrypt is the bcrypt hash of the password ("$2a$...",
	// "$2b$..." or "$2y$..."). Required.
	PasswordBcrypt string `yaml:"password_bcrypt"`
}

// JWTIdentity maps a verified token to a consumer.
type JWTIdentity struct {
	// Issuer is the token's iss. Empty matches any issuer the jwt policy
	// accepted.
	Issuer string `yaml:"issuer"`
	// Subject is the token's sub. Required.
	Subject string `yaml:"subject"`
}
