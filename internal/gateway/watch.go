package gateway

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce lets an editor finish its burst of writes and renames before
// the file is read.
const debounce = 100 * time.Millisecond

// WatchFile reloads the config file whenever it changes, until ctx ends.
// It watches the file's directory, not the file: editors and config
// management replace files by rename, which a watch on the file loses.
func (g *Gateway) WatchFile(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(g.file)
	if err != nil {
		w.Close()
		return err
	}
	if err := w.Add(filepath.Dir(abs)); err != nil {
		w.Close()
		return err
	}
	go g.watchLoop(ctx, w, abs)
	return nil
}

func (g *Gateway) watchLoop(ctx context.Context, w *fsnotify.Watcher, file string) {
	defer w.Close()
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) != file || !ev.Has(fsnotify.Write|fsnotify.Create|fsnotify.Rename) {
				continue
			}
			if timer == nil {
				timer = time.AfterFunc(debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(debounce)
			}
		case <-fire:
			if err := g.ReloadFile(); err == nil {
				g.logger.Info("config file changed; reloaded")
			} else if !errors.Is(err, ErrUnchanged) {
				g.logger.Warn("config file changed but was not applied", "err", err)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			g.logger.Warn("watching config file", "err", err)
		}
	}
}
