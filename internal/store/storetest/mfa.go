package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func mfaDevice(account, path, name string) store.MFADevice {
	return store.MFADevice{
		SerialNumber: "arn:aws:iam::" + account + ":mfa" + path + name,
		AccountID:    account, Name: name, Path: path,
		SeedSealed: []byte("sealed-" + name), CreatedAt: T0, LastUsedStep: -1,
	}
}

func sameMFADevice(a, b store.MFADevice) bool {
	return a.SerialNumber == b.SerialNumber && a.AccountID == b.AccountID && a.Name == b.Name && a.Path == b.Path &&
		string(a.SeedSealed) == string(b.SeedSealed) && a.CreatedAt.Equal(b.CreatedAt) && a.EnableDate.Equal(b.EnableDate) &&
		a.UserID == b.UserID && a.LastUsedStep == b.LastUsedStep
}

func serials(ds []store.MFADevice) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.SerialNumber
	}
	return out
}

func (s *Suite) TestMFACreateGetDelete(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	d := mfaDevice(Account1, "/", "Alice")
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateMFADevice(ctx, d) })

	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.MFADevice, error) {
		return tx.GetMFADevice(ctx, Account1, d.SerialNumber)
	})
	WantErr(t, err, nil)
	if !sameMFADevice(got, d) || got.Assigned() || got.AssignedToRoot() {
		t.Fatalf("GetMFADevice = %+v, want %+v", got, d)
	}
	// Lookups are exact and per account.
	for _, c := range []struct{ acct, serial string }{
		{Account2, d.SerialNumber},
		{Account1, "arn:aws:iam::" + Account1 + ":mfa/alice"},
	} {
		_, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.MFADevice, error) {
			return tx.GetMFADevice(ctx, c.acct, c.serial)
		})
		WantErr(t, err, store.ErrNotFound)
	}
	// Same path and name ignoring case: conflict; same name on another path
	// or in another account: fine.
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, mfaDevice(Account1, "/", "ALICE")) }), store.ErrConflict)
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, mfaDevice(Account1, "/eng/", "alice")) })
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, mfaDevice(Account2, "/", "Alice")) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, mfaDevice("999999999999", "/", "x")) }), store.ErrNotFound)

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeleteMFADevice(ctx, Account1, d.SerialNumber)
	})
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteMFADevice(ctx, Account1, d.SerialNumber) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.DeleteMFADevice(ctx, Account1, mfaDevice(Account2, "/", "Alice").SerialNumber)
	}), store.ErrNotFound)
	n, err := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountMFADevices(ctx, Account1) })
	WantErr(t, err, nil)
	if n != 1 {
		t.Fatalf("CountMFADevices = %d, want 1", n)
	}
}

func (s *Suite) TestMFAAssignment(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	const user = "AIDAUSER000000000001"
	a, b, root, free := mfaDevice(Account1, "/", "a"), mfaDevice(Account1, "/", "b"), mfaDevice(Account1, "/", "root"), mfaDevice(Account1, "/", "free")
	for _, d := range []store.MFADevice{a, b, root, free} {
		MustTx(t, st, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, d) })
	}
	enabled := T0.Add(time.Hour)
	for _, c := range []struct {
		d    store.MFADevice
		user string
	}{{a, user}, {b, user}, {root, ""}} {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
			return tx.AssignMFADevice(ctx, Account1, c.d.SerialNumber, c.user, enabled, 100)
		})
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.AssignMFADevice(ctx, Account1, "arn:aws:iam::"+Account1+":mfa/none", user, enabled, 1)
	}), store.ErrNotFound)

	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.MFADevice, error) {
		return tx.GetMFADevice(ctx, Account1, root.SerialNumber)
	})
	WantErr(t, err, nil)
	if !got.Assigned() || !got.AssignedToRoot() || !got.EnableDate.Equal(enabled) || got.LastUsedStep != 100 {
		t.Fatalf("root device = %+v", got)
	}
	count := func(fn func(ctx context.Context, tx store.Txn) (int, error), want int) {
		t.Helper()
		n, err := Get(t, st, fn)
		WantErr(t, err, nil)
		if n != want {
			t.Fatalf("count = %d, want %d", n, want)
		}
	}
	count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountMFADevicesForUser(ctx, Account1, user)
	}, 2)
	count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountMFADevicesForUser(ctx, Account1, "")
	}, 1)
	count(func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountMFADevicesInUse(ctx, Account1) }, 3)
	count(func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountMFADevices(ctx, Account1) }, 4)

	forUser := CollectPages(t, st, 1, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.MFADevice, bool, error) {
		return tx.ListMFADevicesForUser(ctx, Account1, user, p)
	}, func(d store.MFADevice) string { return d.SerialNumber })
	if fmt.Sprint(serials(forUser)) != fmt.Sprint([]string{a.SerialNumber, b.SerialNumber}) {
		t.Fatalf("user's devices = %v", serials(forUser))
	}
	forRoot := CollectPages(t, st, 0, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.MFADevice, bool, error) {
		return tx.ListMFADevicesForUser(ctx, Account1, "", p)
	}, func(d store.MFADevice) string { return d.SerialNumber })
	if fmt.Sprint(serials(forRoot)) != fmt.Sprint([]string{root.SerialNumber}) {
		t.Fatalf("root's devices = %v", serials(forRoot))
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{store.MFAAssigned, []string{a.SerialNumber, b.SerialNumber, root.SerialNumber}},
		{store.MFAUnassigned, []string{free.SerialNumber}},
		{store.MFAAny, []string{a.SerialNumber, b.SerialNumber, free.SerialNumber, root.SerialNumber}},
	} {
		got := CollectPages(t, st, 2, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.MFADevice, bool, error) {
			return tx.ListVirtualMFADevices(ctx, Account1, c.filter, p)
		}, func(d store.MFADevice) string { return d.SerialNumber })
		if fmt.Sprint(serials(got)) != fmt.Sprint(c.want) {
			t.Fatalf("%s: %v, want %v", c.filter, serials(got), c.want)
		}
	}
	if err := st.View(ctx, func(tx store.Txn) error {
		_, _, err := tx.ListVirtualMFADevices(ctx, Account1, "Some", store.Page{})
		return err
	}); err == nil {
		t.Fatal("ListVirtualMFADevices accepted an unknown filter")
	}

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.UnassignMFADevice(ctx, Account1, a.SerialNumber)
	})
	got, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.MFADevice, error) {
		return tx.GetMFADevice(ctx, Account1, a.SerialNumber)
	})
	WantErr(t, err, nil)
	if got.Assigned() || got.UserID != "" || got.LastUsedStep != 100 {
		t.Fatalf("after unassign: %+v (the last used step must survive)", got)
	}
	count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountMFADevicesForUser(ctx, Account1, user)
	}, 1)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.UnassignMFADevice(ctx, Account1, "arn:aws:iam::"+Account1+":mfa/none")
	}), store.ErrNotFound)
}

func (s *Suite) TestMFAAdvanceStep(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	d := mfaDevice(Account1, "/", "d")
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, d) })
	advance := func(step int64) bool {
		t.Helper()
		var ok bool
		MustTx(t, st, func(tx store.Txn) error {
			var err error
			ok, err = tx.AdvanceMFADeviceStep(ctx, Account1, d.SerialNumber, step)
			return err
		})
		return ok
	}
	before := Revision(t, st, Account1)
	if !advance(10) {
		t.Fatal("first use refused")
	}
	if advance(10) || advance(9) {
		t.Fatal("a used step was accepted again")
	}
	if !advance(11) {
		t.Fatal("a newer step was refused")
	}
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("AdvanceMFADeviceStep bumped the revision %d -> %d", before, after)
	}
	err := st.Tx(ctx, func(tx store.Txn) error {
		_, err := tx.AdvanceMFADeviceStep(ctx, Account1, "arn:aws:iam::"+Account1+":mfa/none", 1)
		return err
	})
	WantErr(t, err, store.ErrNotFound)

	// Twenty transactions race to use the same step: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ok bool
			err := st.Tx(ctx, func(tx store.Txn) error {
				var err error
				ok, err = tx.AdvanceMFADeviceStep(ctx, Account1, d.SerialNumber, 50)
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d transactions accepted step 50, want exactly 1", wins)
	}
}

func (s *Suite) TestMFAUpdateSeed(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	d := mfaDevice(Account1, "/", "d")
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateMFADevice(ctx, d) })
	MustTx(t, st, func(tx store.Txn) error {
		return tx.AssignMFADevice(ctx, Account1, d.SerialNumber, "", T0.Add(time.Hour), 7)
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.UpdateMFADeviceSeed(ctx, Account1, d.SerialNumber, []byte("resealed"))
	})
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.MFADevice, error) {
		return tx.GetMFADevice(ctx, Account1, d.SerialNumber)
	})
	WantErr(t, err, nil)
	// Only the seed changed: the assignment and the replay step stay.
	want := d
	want.SeedSealed, want.EnableDate, want.LastUsedStep = []byte("resealed"), T0.Add(time.Hour), 7
	if !sameMFADevice(got, want) {
		t.Fatalf("after UpdateMFADeviceSeed: %+v, want %+v", got, want)
	}
	// Another account cannot touch the device; an absent device is not found.
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.UpdateMFADeviceSeed(ctx, Account2, d.SerialNumber, []byte("x"))
	}), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.UpdateMFADeviceSeed(ctx, Account1, "arn:aws:iam::"+Account1+":mfa/none", []byte("x"))
	}), store.ErrNotFound)
}
