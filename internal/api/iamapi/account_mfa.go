package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// mfaUserName is the principal an MFA operation whose UserName is optional
// acts on: the named user, else the caller: the calling IAM user, or the
// root ("" in the domain). Role sessions must name a user.
func mfaUserName(id *iam.Identity, name *string) (string, error) {
	if name != nil {
		return *name, nil
	}
	if id.IsRoot() {
		return "", nil
	}
	return callerUserName(id, nil)
}

// rootUserShape is the User element of a device assigned to the account
// root: the root ARN, the account ID as its ID.
func rootUserShape(accountID string) *iamshape.User {
	return &iamshape.User{Path: "/", UserId: accountID, Arn: iam.RootARN(accountID)}
}

func virtualMFADeviceShape(accountID string, d iam.MFADevice) iamshape.VirtualMFADevice {
	out := iamshape.VirtualMFADevice{SerialNumber: d.SerialNumber, EnableDate: usrTime(d.EnableDate)}
	switch {
	case d.User != nil:
		u := userShape(*d.User, false)
		out.User = &u
	case d.Root && d.Assigned():
		out.User = rootUserShape(accountID)
	}
	return out
}

// mfaDeviceUserName is the UserName of an MFADevice element: the user's
// name, or for the root's devices the account ID (the model requires a
// UserName and the root has none).
func mfaDeviceUserName(accountID string, d iam.MFADevice) string {
	if d.User != nil {
		return d.User.Name
	}
	return accountID
}

func registerMFA(srv *api.Server, d Deps) {
	handle(srv, "CreateVirtualMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateVirtualMFADeviceInput) (*iamshape.CreateVirtualMFADeviceOutput, error) {
		dev, err := d.IAM.CreateVirtualMFADevice(ctx, id.AccountID, str(in.Path), in.VirtualMFADeviceName, tagsIn(in.Tags))
		if err != nil {
			return nil, err
		}
		out := iamshape.VirtualMFADevice{
			SerialNumber: dev.SerialNumber,
			// Blobs: the wire layer base64-encodes them.
			Base32StringSeed: []byte(dev.Base32StringSeed),
			QRCodePNG:        dev.QRCodePNG,
			Tags:             tagsOut(dev.Tags),
		}
		return &iamshape.CreateVirtualMFADeviceOutput{VirtualMFADevice: out}, nil
	})
	handle(srv, "EnableMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.EnableMFADeviceInput) (*iamshape.EnableMFADeviceOutput, error) {
		return &iamshape.EnableMFADeviceOutput{}, d.IAM.EnableMFADevice(ctx, id.AccountID, in.UserName, in.SerialNumber,
			in.AuthenticationCode1, in.AuthenticationCode2)
	})
	handle(srv, "ResyncMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.ResyncMFADeviceInput) (*iamshape.ResyncMFADeviceOutput, error) {
		return &iamshape.ResyncMFADeviceOutput{}, d.IAM.ResyncMFADevice(ctx, id.AccountID, in.UserName, in.SerialNumber,
			in.AuthenticationCode1, in.AuthenticationCode2)
	})
	handle(srv, "DeactivateMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.DeactivateMFADeviceInput) (*iamshape.DeactivateMFADeviceOutput, error) {
		user, err := mfaUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeactivateMFADeviceOutput{}, d.IAM.DeactivateMFADevice(ctx, id.AccountID, user, in.SerialNumber)
	})
	handle(srv, "DeleteVirtualMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteVirtualMFADeviceInput) (*iamshape.DeleteVirtualMFADeviceOutput, error) {
		return &iamshape.DeleteVirtualMFADeviceOutput{}, d.IAM.DeleteVirtualMFADevice(ctx, id.AccountID, in.SerialNumber)
	})
	handle(srv, "ListMFADevices", func(ctx context.Context, id *iam.Identity, in *iamshape.ListMFADevicesInput) (*iamshape.ListMFADevicesOutput, error) {
		user, err := mfaUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		devs, more, err := d.IAM.ListMFADevices(ctx, id.AccountID, user, p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListMFADevicesOutput{MFADevices: []iamshape.MFADevice{}}
		for _, dev := range devs {
			out.MFADevices = append(out.MFADevices, iamshape.MFADevice{
				UserName: mfaDeviceUserName(id.AccountID, dev), SerialNumber: dev.SerialNumber, EnableDate: dev.EnableDate,
			})
		}
		out.IsTruncated, out.Marker = pageEnd(more, devs, mfaDeviceKey)
		return out, nil
	})
	handle(srv, "ListVirtualMFADevices", func(ctx context.Context, id *iam.Identity, in *iamshape.ListVirtualMFADevicesInput) (*iamshape.ListVirtualMFADevicesOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		devs, more, err := d.IAM.ListVirtualMFADevices(ctx, id.AccountID, str(in.AssignmentStatus), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListVirtualMFADevicesOutput{VirtualMFADevices: []iamshape.VirtualMFADevice{}}
		for _, dev := range devs {
			out.VirtualMFADevices = append(out.VirtualMFADevices, virtualMFADeviceShape(id.AccountID, dev))
		}
		out.IsTruncated, out.Marker = pageEnd(more, devs, mfaDeviceKey)
		return out, nil
	})
	handle(srv, "GetMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.GetMFADeviceInput) (*iamshape.GetMFADeviceOutput, error) {
		user, err := mfaUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		dev, err := d.IAM.GetMFADevice(ctx, id.AccountID, user, in.SerialNumber)
		if err != nil {
			return nil, err
		}
		out := &iamshape.GetMFADeviceOutput{SerialNumber: dev.SerialNumber, EnableDate: usrTime(dev.EnableDate)}
		if dev.User != nil {
			out.UserName = &dev.User.Name
		}
		return out, nil
	})
	handle(srv, "TagMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.TagMFADeviceInput) (*iamshape.TagMFADeviceOutput, error) {
		return &iamshape.TagMFADeviceOutput{}, d.IAM.TagMFADevice(ctx, id.AccountID, in.SerialNumber, tagsIn(in.Tags))
	})
	handle(srv, "UntagMFADevice", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagMFADeviceInput) (*iamshape.UntagMFADeviceOutput, error) {
		return &iamshape.UntagMFADeviceOutput{}, d.IAM.UntagMFADevice(ctx, id.AccountID, in.SerialNumber, in.TagKeys)
	})
	handle(srv, "ListMFADeviceTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListMFADeviceTagsInput) (*iamshape.ListMFADeviceTagsOutput, error) {
		tags, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListMFADeviceTags(ctx, id.AccountID, in.SerialNumber)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListMFADeviceTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
	})
}
