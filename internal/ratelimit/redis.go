package ratelimit

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the store shared by every gateway instance. One check is one
// round trip: a Lua script reads, decides and writes every limit of a
// request atomically, on the server's clock, so instances with skewed
// clocks agree.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// RedisOptions locate the server(s).
type RedisOptions struct {
	// Addrs: one for a standalone server, several for a Cluster, or the
	// Sentinels when MasterName is set.
	Addrs      []string
	MasterName string
	Username   string
	Password   string
	DB         int
	// Timeout bounds every call (dial, read, write). Default 50ms.
	Timeout  time.Duration
	PoolSize int
}

// DefaultRedisTimeout keeps a slow Redis from slowing requests much.
const DefaultRedisTimeout = 50 * time.Millisecond

// NewRedis connects lazily; prefix namespaces the keys.
func NewRedis(o RedisOptions, prefix string) *Redis {
	if o.Timeout <= 0 {
		o.Timeout = DefaultRedisTimeout
	}
	c := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:        o.Addrs,
		MasterName:   o.MasterName,
		Username:     o.Username,
		Password:     o.Password,
		DB:           o.DB,
		DialTimeout:  o.Timeout,
		ReadTimeout:  o.Timeout,
		WriteTimeout: o.Timeout,
		PoolSize:     o.PoolSize,
		PoolTimeout:  o.Timeout,
		MaxRetries:   -1, // a retry would double the worst-case wait
		// The per-call context deadline then bounds pool wait, dial,
		// write and read together, not each of them separately.
		ContextTimeoutEnabled: true,
	})
	return &Redis{client: c, prefix: prefix, timeout: o.Timeout}
}

// Take implements Store.
func (r *Redis) Take(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error {
	return r.decide(ctx, alg, checks, out, 1)
}

// Peek implements Store.
func (r *Redis) Peek(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error {
	return r.decide(ctx, alg, checks, out, 0)
}

// decide runs the script; commit 1 counts the request, 0 only asks.
func (r *Redis) decide(ctx context.Context, alg Algorithm, checks []Check, out []Decision, commit int) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	keys := make([]string, len(checks))
	args := make([]any, 0, 2+4*len(checks))
	args = append(args, int(alg), commit)
	for i, c := range checks {
		// The hash tag puts all of a request's keys in one Cluster slot.
		keys[i] = r.prefix + "{" + checks[0].Key + "}" + strconv.Itoa(i) + "|" + c.Key
		args = append(args, c.Limit.Requests, c.Limit.Per.Microseconds(), c.Limit.Burst, c.Limit.MaxDelay.Microseconds())
	}
	res, err := takeScript.Run(ctx, r.client, keys, args...).Int64Slice()
	if err != nil {
		return err
	}
	if len(res) != 5*len(checks) {
		return errors.New("rate limit script: unexpected reply")
	}
	for i := range checks {
		v := res[5*i:]
		out[i] = Decision{
			Allowed:    v[0] == 1,
			Remaining:  v[1],
			Reset:      time.Duration(v[2]) * time.Microsecond,
			RetryAfter: time.Duration(v[3]) * time.Microsecond,
			Delay:      time.Duration(v[4]) * time.Microsecond,
		}
	}
	return nil
}

// Ping checks that the server answers, for recovery probes.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.client.Ping(ctx).Err()
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.client.Close() }

// takeScript is the three algorithms of algorithm.go in Lua, in
// microseconds (exact in Lua's doubles). Each key's state is a hash with
// fields a, b, c; it expires when it no longer matters. ARGV[2] is 1 to
// count the request, 0 to only decide (Peek).
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local alg = tonumber(ARGV[1])
local commit = tonumber(ARGV[2]) == 1
local out, writes, allowed = {}, {}, true
for i = 1, #KEYS do
  local base = 3 + (i - 1) * 4
  local req, per = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
  local burst, maxd = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local v = redis.call('HMGET', KEYS[i], 'a', 'b', 'c')
  local a, b, c = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
  local ok, rem, reset, retry, delay, w = 0, 0, 0, 0, 0, nil
  if alg == 0 then
    local T = math.max(math.floor(per / req), 1)
    if burst <= 0 then burst = req end
    local tat = math.max(a, now)
    local newtat = tat + T
    local allowAt = newtat - burst * T
    if now < allowAt then
      retry, reset = allowAt - now, tat - now
    else
      ok, rem, reset = 1, math.floor((now - allowAt) / T), newtat - now
      w = {newtat, 0, 0, newtat - now}
    end
  elseif alg == 1 then
    local ws = now - (now % per)
    if ws ~= a then
      if ws - a == per then c = b else c = 0 end
      b, a = 0, ws
    end
    local left = per - (now - ws)
    local est = math.floor(c * left / per) + b
    reset = ws + per - now
    if est + 1 > req then
      local wait = ws + per - now
      if c > 0 and b < req then wait = math.min(wait, math.floor(((est + 1 - req) * per + c - 1) / c)) end
      retry = math.max(wait, 1)
    else
      ok, rem = 1, req - est - 1
      w = {a, b + 1, c, ws + 2 * per - now}
    end
  else
    local T = math.max(math.floor(per / req), 1)
    local tat = math.max(a, now)
    local d = tat - now
    if d > maxd then
      retry, reset = d - maxd, d
    else
      ok, delay, rem, reset = 1, d, math.floor((maxd - d) / T), tat + T - now
      w = {tat + T, 0, 0, tat + T - now}
    end
  end
  if ok == 0 then allowed = false end
  out[#out + 1] = ok
  out[#out + 1] = rem
  out[#out + 1] = reset
  out[#out + 1] = retry
  out[#out + 1] = delay
  writes[i] = w
end
if allowed and commit then
  for i = 1, #KEYS do
    local w = writes[i]
    redis.call('HSET', KEYS[i], 'a', string.format('%.0f', w[1]), 'b', string.format('%.0f', w[2]), 'c', string.format('%.0f', w[3]))
    redis.call('PEXPIRE', KEYS[i], math.max(math.ceil(w[4] / 1000), 1))
  end
elseif not allowed then
  for i = 1, #out, 5 do out[i] = 0 end
end
return out
`)
