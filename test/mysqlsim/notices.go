package mysqlsim

import (
	"fmt"
	"sync"
)

// NoticeType is the type field of Mysqlx.Notice.GroupReplicationStateChanged.
type NoticeType uint32

// Group Replication notice types (X Protocol, Mysqlx.Notice.GroupReplicationStateChanged.Type).
const (
	NoticeQuorumLoss  NoticeType = 1 // MEMBERSHIP_QUORUM_LOSS
	NoticeViewChange  NoticeType = 2 // MEMBERSHIP_VIEW_CHANGE
	NoticeRoleChange  NoticeType = 3 // MEMBER_ROLE_CHANGE
	NoticeStateChange NoticeType = 4 // MEMBER_STATE_CHANGE
)

func (t NoticeType) String() string {
	switch t {
	case NoticeQuorumLoss:
		return "MEMBERSHIP_QUORUM_LOSS"
	case NoticeViewChange:
		return "MEMBERSHIP_VIEW_CHANGE"
	case NoticeRoleChange:
		return "MEMBER_ROLE_CHANGE"
	case NoticeStateChange:
		return "MEMBER_STATE_CHANGE"
	}
	return fmt.Sprintf("NoticeType(%d)", uint32(t))
}

// XNoticeName is the name X Protocol clients pass to enable_notices for this type.
func (t NoticeType) XNoticeName() string {
	switch t {
	case NoticeQuorumLoss:
		return "group_replication/membership/quorum_loss"
	case NoticeViewChange:
		return "group_replication/membership/view"
	case NoticeRoleChange:
		return "group_replication/status/role_change"
	case NoticeStateChange:
		return "group_replication/status/state_change"
	}
	return ""
}

// Notice is one Group Replication event as the member's X Plugin would push it (scope GLOBAL).
type Notice struct {
	Type   NoticeType
	ViewID string
}

func (n Notice) String() string { return n.Type.String() + "@" + n.ViewID }

// Subscription receives the member's Group Replication notices in order. Delivery never blocks
// the simulator: notices queue until read. C is closed when the member crashes or shuts down
// (its X sessions die with it) or when Close is called.
type Subscription struct {
	C <-chan Notice

	ch     chan Notice
	mu     sync.Mutex
	queue  []Notice
	signal chan struct{}
	done   chan struct{}
	once   sync.Once
	m      *Member
}

// Subscribe registers for the member's notices. On a member that is down the subscription is
// already closed.
func (m *Member) Subscribe() *Subscription {
	sub := &Subscription{ch: make(chan Notice), signal: make(chan struct{}, 1), done: make(chan struct{}), m: m}
	sub.C = sub.ch
	go sub.pump()
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if !m.up {
		sub.close()
		return sub
	}
	m.subs[sub] = true
	return sub
}

// Close unsubscribes; C is closed soon after.
func (s *Subscription) Close() {
	s.m.g.mu.Lock()
	delete(s.m.subs, s)
	s.m.g.mu.Unlock()
	s.close()
}

func (s *Subscription) close() { s.once.Do(func() { close(s.done) }) }

func (s *Subscription) push(n Notice) {
	s.mu.Lock()
	s.queue = append(s.queue, n)
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

func (s *Subscription) pump() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		var next *Notice
		if len(s.queue) > 0 {
			n := s.queue[0]
			s.queue = s.queue[1:]
			next = &n
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-s.signal:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case s.ch <- *next:
		case <-s.done:
			return
		}
	}
}

// emit sends a notice from m to its subscribers, with the view id m currently knows.
func (m *Member) emit(t NoticeType) {
	if !m.up {
		return
	}
	id := m.viewAtLeave
	if m.view != nil {
		id = m.view.id
	}
	for sub := range m.subs {
		sub.push(Notice{Type: t, ViewID: id})
	}
}
