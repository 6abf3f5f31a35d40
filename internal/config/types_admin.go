package config

// Admin configures the admin API: status, config, routes, services,
// consumers, reloads, explain and /metrics, on a listener of its own.
type Admin struct {
	// Addr is host:port of the admin listener. Default "127.0.0.1:8081";
	// "off" disables it. An address beyond loopback needs Token.
	Addr string `yaml:"addr"`
	// Token, when set, is required as "Authorization: Bearer TOKEN" on every
	// admin request. Write it as ${ENV}; it is never shown by the admin API.
	Token string `yaml:"token"`
}

// Admin defaults and fixed values.
const (
	DefaultAdminAddr = "127.0.0.1:8081"
	// AdminAddrOff as admin.addr disables the admin API.
	AdminAddrOff = "off"
)
