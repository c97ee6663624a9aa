package main

import (
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// bomb panics where it is told to.
type bomb struct{ in string }

func (b bomb) Init() tea.Cmd {
	if b.in == "init" {
		panic("boom in init")
	}
	return func() tea.Msg {
		if b.in == "cmd" {
			panic("boom in a command")
		}
		return nil
	}
}

func (b bomb) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if b.in == "update" {
		panic("boom in update")
	}
	return b, tea.Batch(func() tea.Msg { return nil }, func() tea.Msg { panic("boom in a batch") })
}

func (b bomb) View() string {
	if b.in == "view" {
		panic("boom in view")
	}
	return "fine"
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func checkPanicErr(t *testing.T, g guard, want string) {
	t.Helper()
	err := g.Err()
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "details in ") {
		t.Fatalf("Err() = %v, want a short error with %q and the details file", err, want)
	}
	path := err.Error()[strings.Index(err.Error(), "details in ")+len("details in ") : len(err.Error())-1]
	data, rerr := os.ReadFile(path)
	os.Remove(path)
	if rerr != nil || !strings.Contains(string(data), "goroutine") {
		t.Fatalf("details file %s: %v\n%s", path, rerr, data)
	}
}

func TestGuardUpdatePanic(t *testing.T) {
	g := newGuard(bomb{in: "update"})
	_, cmd := g.Update(tea.KeyMsg{})
	if !isQuit(cmd) {
		t.Fatal("a panic in Update must quit the program")
	}
	checkPanicErr(t, g, "boom in update")
}

func TestGuardInitPanic(t *testing.T) {
	g := newGuard(bomb{in: "init"})
	if !isQuit(g.Init()) {
		t.Fatal("a panic in Init must quit the program")
	}
	checkPanicErr(t, g, "boom in init")
}

func TestGuardCommandPanic(t *testing.T) {
	g := newGuard(bomb{in: "cmd"})
	msg := g.Init()()
	pm, ok := msg.(panicMsg)
	if !ok {
		t.Fatalf("a panicking command must become a panicMsg, got %T", msg)
	}
	_, cmd := g.Update(pm)
	if !isQuit(cmd) {
		t.Fatal("a panicMsg must quit the program")
	}
	checkPanicErr(t, g, "boom in a command")
}

func TestGuardBatchPanic(t *testing.T) {
	g := newGuard(bomb{})
	_, cmd := g.Update(tea.KeyMsg{})
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("want the batch passed through, got %T", cmd())
	}
	if _, ok := batch[1]().(panicMsg); !ok {
		t.Fatal("a panicking command inside a batch must become a panicMsg")
	}
}

func TestGuardViewPanic(t *testing.T) {
	g := newGuard(bomb{in: "view"})
	quit := make(chan struct{})
	g.setQuit(func() { close(quit) })
	if v := g.View(); v != "" {
		t.Fatalf("View after a panic = %q", v)
	}
	<-quit
	checkPanicErr(t, g, "boom in view")
	if newGuard(bomb{}).View() != "fine" {
		t.Fatal("the guard must pass the view through")
	}
}
