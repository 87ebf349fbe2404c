using System.Net;
using Microsoft.Extensions.Options;
using XmppServer.Core.Connections;
using XmppServer.Protocol;

namespace XmppServer.Core.Tests.Connections;

public sealed class ConnectionAdmissionTests
{
    private static readonly IPAddress Source = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void TryAdmit_BeyondMaxConnectionsPerAddress_RefusesWithPolicyViolation()
    {
        var admission = Admission(perAddress: 2);
        Assert.True(admission.TryAdmit(Source, out _, out _));
        Assert.True(admission.TryAdmit(Source, out _, out _));

        Assert.False(admission.TryAdmit(Source, out var source, out var refusal));

        Assert.Null(source);
        Assert.Equal(StreamErrorCondition.PolicyViolation, refusal!.Condition);
        Assert.Equal(2, admission.CountFor(Source));
        Assert.Equal(2, admission.Unauthenticated);
    }

    [Fact]
    public void TryAdmit_OtherAddress_IsNotAffectedByAFullOne()
    {
        var admission = Admission(perAddress: 1);
        Assert.True(admission.TryAdmit(Source, out _, out _));

        Assert.True(admission.TryAdmit(IPAddress.Parse("192.0.2.2"), out _, out _));
    }

    [Fact]
    public void Release_FreesTheSlot_AndForgetsAnEmptySource()
    {
        var admission = Admission(perAddress: 1);
        Assert.True(admission.TryAdmit(Source, out var source, out _));

        admission.Release(source, stillUnauthenticated: true);

        Assert.Equal(0, admission.CountFor(Source));
        Assert.Equal(0, admission.Unauthenticated);
        Assert.True(admission.TryAdmit(Source, out _, out _));
    }

    [Fact]
    public void TryAdmit_BeyondMaxUnauthenticated_RefusesWithResourceConstraint_UntilOneAuthenticates()
    {
        var admission = Admission(unauthenticated: 2);
        Assert.True(admission.TryAdmit(IPAddress.Parse("192.0.2.1"), out _, out _));
        Assert.True(admission.TryAdmit(IPAddress.Parse("192.0.2.2"), out _, out _));

        Assert.False(admission.TryAdmit(IPAddress.Parse("192.0.2.3"), out _, out var refusal));
        Assert.Equal(StreamErrorCondition.ResourceConstraint, refusal!.Condition);

        // The refused one was not counted against its source either.
        Assert.Equal(0, admission.CountFor(IPAddress.Parse("192.0.2.3")));

        admission.Authenticated();
        Assert.True(admission.TryAdmit(IPAddress.Parse("192.0.2.3"), out _, out _));
    }

    [Fact]
    public void TryAdmit_IPv6_CountsPerSlash64()
    {
        var admission = Admission(perAddress: 2);
        Assert.True(admission.TryAdmit(IPAddress.Parse("2001:db8:1:2::1"), out _, out _));
        Assert.True(admission.TryAdmit(IPAddress.Parse("2001:db8:1:2:ffff::9"), out _, out _));

        Assert.False(admission.TryAdmit(IPAddress.Parse("2001:db8:1:2:abcd::1"), out _, out _));
        Assert.True(admission.TryAdmit(IPAddress.Parse("2001:db8:1:3::1"), out _, out _));
    }

    [Fact]
    public void TryAdmit_IPv4MappedIPv6_CountsAsTheIPv4Address()
    {
        var admission = Admission(perAddress: 1);
        Assert.True(admission.TryAdmit(Source, out _, out _));

        Assert.False(admission.TryAdmit(Source.MapToIPv6(), out _, out _));
    }

    [Fact]
    public void TryAdmit_ExemptNetwork_IsNotCountedPerAddress_ButStillUnauthenticated()
    {
        var admission = Admission(perAddress: 1, exempt: "127.0.0.0/8, ::1/128");
        for (var i = 0; i < 5; i++)
        {
            Assert.True(admission.TryAdmit(IPAddress.Loopback, out var source, out _));
            Assert.Null(source);
            Assert.True(admission.TryAdmit(IPAddress.IPv6Loopback, out _, out _));
        }

        Assert.Equal(10, admission.Unauthenticated);

        var counted = Admission(perAddress: 1, exempt: string.Empty);
        Assert.True(counted.TryAdmit(IPAddress.Loopback, out _, out _));
        Assert.False(counted.TryAdmit(IPAddress.Loopback, out _, out _));
    }

    [Fact]
    public void Constructor_ExemptAddressesNotCidr_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Admission(exempt: "localhost"));
    }

    [Fact]
    public async Task TryAdmit_ManyThreadsAtOnce_NeverAdmitsMoreThanTheLimit()
    {
        var admission = Admission(perAddress: 50);
        var admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                if (admission.TryAdmit(Source, out _, out _))
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));

        Assert.Equal(50, admitted);
        Assert.Equal(50, admission.CountFor(Source));
    }

    private static ConnectionAdmission Admission(int perAddress = 100, int unauthenticated = 100, string exempt = "")
        => new(Options.Create(new ConnectionLimitOptions
        {
            MaxConnectionsPerAddress = perAddress,
            MaxUnauthenticatedConnections = unauthenticated,
            ExemptAddresses = exempt,
        }));
}
