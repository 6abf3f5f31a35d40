package config

import (
	"strconv"
	"strings"
	"time"
)

// Defaults, exported so code and docs/configuration.md quote one source.
// A zero value in the config (unset, or written as 0) means "use the
// default" for every field below.
const (
	DefaultListenerName = "public"
	DefaultListenerAddr = ":8080"

	DefaultReadHeaderTimeout = Duration(10 * time.Second)
	DefaultReadTimeout       = Duration(60 * time.Second)
	DefaultWriteTimeout      = Duration(60 * time.Second)
	DefaultIdleTimeout       = Duration(120 * time.Second)
	DefaultMaxHeaderBytes    = 65536
	DefaultMaxHeaderCount    = 100
	DefaultHealthPath        = "/health"
	DefaultDrainTimeout      = Duration(30 * time.Second)
	// HTTP/2 defaults are Go's (and close to Envoy's and nginx's).
	DefaultH2MaxConcurrentStreams = 250
	DefaultH2WindowBytes          = 1 << 20

	DefaultWeight              = 1
	DefaultConnectTimeout      = Duration(5 * time.Second)
	DefaultResponseTimeout     = Duration(30 * time.Second)
	DefaultUpstreamIdleTimeout = Duration(4 * time.Second)
	DefaultPoolMaxIdle         = 256
	DefaultPoolMaxConns        = 0 // no cap
	DefaultEncodedSeparators   = EncodedSeparatorsReject
	DefaultAccessLogOutput     = AccessLogStdout

	DefaultAccessLogMaxSizeMB     = 100
	DefaultAccessLogMaxBackups    = 5
	DefaultAccessLogBatchSize     = 500
	DefaultAccessLogFlushInterval = Duration(time.Second)
	DefaultAccessLogQueueSize     = 10000
	defaultRouteNamePrefix        = "route-"
	defaultListenerNamePrefix     = "listener-"
)

// Values with a fixed meaning.
const (
	// HealthPathOff as health_path disables the health endpoint.
	HealthPathOff = "off"

	// EncodedSeparatorsReject answers 400 to paths with %2F, %5C or %2E.
	EncodedSeparatorsReject = "reject"
	// EncodedSeparatorsDecode decodes them, then normalises the path.
	EncodedSeparatorsDecode = "decode"

	// AccessLogStdout, AccessLogStderr and AccessLogOff are the access_log
	// outputs that are not file paths.
	AccessLogStdout = "stdout"
	AccessLogStderr = "stderr"
	AccessLogOff    = "off"
)

// routeName is the effective name of the i-th route.
func routeName(name string, i int) string {
	if name != "" {
		return name
	}
	return defaultRouteNamePrefix + strconv.Itoa(i)
}

// listenerName is the effective name of the i-th listener.
func listenerName(name string, i int) string {
	switch {
	case name != "":
		return name
	case i == 0:
		return DefaultListenerName
	}
	return defaultListenerNamePrefix + strconv.Itoa(i)
}

// applyDefaults fills every unset field with its default and normalises
// values whose case does not matter, so the rest of the gateway reads one
// spelling. Parse runs it only on a config that validated cleanly.
func (c *Config) applyDefaults() {
	setString(&c.Admin.Addr, DefaultAdminAddr)
	setString(&c.Tracing.ServiceName, DefaultServiceName)
	if c.Tracing.SampleRatio == nil {
		r := DefaultSampleRatio
		c.Tracing.SampleRatio = &r
	}
	if len(c.Listeners) == 0 {
		c.Listeners = []Listener{{Addr: DefaultListenerAddr}}
	}
	for i := range c.Listeners {
		l := &c.Listeners[i]
		l.Name = listenerName(l.Name, i)
		setDuration(&l.Timeouts.ReadHeader, DefaultReadHeaderTimeout)
		setDuration(&l.Timeouts.Read, DefaultReadTimeout)
		setDuration(&l.Timeouts.Write, DefaultWriteTimeout)
		setDuration(&l.Timeouts.Idle, DefaultIdleTimeout)
		setInt(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
		setInt(&l.MaxHeaderCount, DefaultMaxHeaderCount)
		setString(&l.HealthPath, DefaultHealthPath)
		setDuration(&l.DrainTimeout, DefaultDrainTimeout)
		setInt(&l.HTTP2.MaxConcurrentStreams, DefaultH2MaxConcurrentStreams)
		setInt(&l.HTTP2.InitialStreamWindowBytes, DefaultH2WindowBytes)
		setInt(&l.HTTP2.InitialConnWindowBytes, DefaultH2WindowBytes)
		setString(&l.HTTP3.Addr, l.Addr)
	}
	for i := range c.Services {
		s := &c.Services[i]
		for j := range s.Targets {
			setInt(&s.Targets[j].Weight, DefaultWeight)
		}
		setDuration(&s.Timeouts.Connect, DefaultConnectTimeout)
		setDuration(&s.Timeouts.Response, DefaultResponseTimeout)
		setDuration(&s.Timeouts.Idle, DefaultUpstreamIdleTimeout)
		setInt(&s.Pool.MaxIdle, DefaultPoolMaxIdle)
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		r.Name = routeName(r.Name, i)
		// Methods compare case-sensitively on the wire but are written
		// upper-case by every client; host names are case-insensitive.
		for j, m := range r.Match.Methods {
			r.Match.Methods[j] = strings.ToUpper(m)
		}
		for j, h := range r.Match.Hosts {
			r.Match.Hosts[j] = strings.ToLower(h)
		}
	}
	setString(&c.Paths.EncodedSeparators, DefaultEncodedSeparators)
	setString(&c.AccessLog.Output, DefaultAccessLogOutput)
	setInt(&c.AccessLog.MaxSizeMB, DefaultAccessLogMaxSizeMB)
	setInt(&c.AccessLog.MaxBackups, DefaultAccessLogMaxBackups)
	setInt(&c.AccessLog.BatchSize, DefaultAccessLogBatchSize)
	setDuration(&c.AccessLog.FlushInterval, DefaultAccessLogFlushInterval)
	setInt(&c.AccessLog.QueueSize, DefaultAccessLogQueueSize)
}

func setDuration(p *Duration, def Duration) {
	if *p == 0 {
		*p = def
	}
}

func setInt(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}
