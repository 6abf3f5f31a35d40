package certs

import (
	"context"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce lets a deployment finish writing a certificate and its key
// (two files, often by rename) before they are read together. A read
// that still sees a mismatched pair fails and keeps the old set; the
// next event retries.
const debounce = 200 * time.Millisecond

// run watches the certificate files and rotates ticket keys until ctx
// ends.
func (m *Manager) run(ctx context.Context) {
	defer close(m.done)
	events, stopWatch := m.watchUnder(ctx)
	defer func() { stopWatch() }()
	rotate := time.NewTicker(ticketRotation * time.Second)
	defer rotate.Stop()
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.rewatch:
			// A reload named other files: watch their directories.
			stopWatch()
			events, stopWatch = m.watchUnder(ctx)
		case <-rotate.C:
			m.tickets.rotate()
			m.tickets.apply(m.base)
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			fire = time.After(debounce)
		case <-fire:
			fire = nil
			_ = m.ReloadFiles()
		}
	}
}

// watchUnder starts a watch that ends with ctx or with the returned
// function.
func (m *Manager) watchUnder(ctx context.Context) (<-chan struct{}, context.CancelFunc) {
	wctx, cancel := context.WithCancel(ctx)
	return m.watch(wctx), cancel
}

// watch watches the directories of the certificate files (not the
// files: Kubernetes secrets and most deploy tools replace files by
// rename or by swapping a symlink, which a watch on the file loses).
// Every event in them triggers a reload; one that finds the same bytes
// changes nothing.
func (m *Manager) watch(ctx context.Context) <-chan struct{} {
	m.mu.Lock()
	c := m.cfg
	m.mu.Unlock()
	dirs := map[string]bool{}
	for _, f := range c.Certificates {
		for _, p := range []string{f.Cert, f.Key} {
			if abs, err := filepath.Abs(p); err == nil {
				dirs[filepath.Dir(abs)] = true
			}
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		m.logger.Warn("certificate files not watched; reload with SIGHUP or the admin API", "listener", m.name, "err", err)
		return nil
	}
	for d := range dirs {
		if err := w.Add(d); err != nil {
			m.logger.Warn("certificate directory not watched", "listener", m.name, "dir", d, "err", err)
		}
	}
	out := make(chan struct{}, 1)
	go func() {
		defer w.Close()
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-w.Events:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default:
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				m.logger.Warn("certificate watch", "listener", m.name, "err", err)
			}
		}
	}()
	return out
}
