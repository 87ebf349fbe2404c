using XmppServer.Core.Hosting;

namespace XmppServer.Core.Tests.Hosting;

public sealed class NativeHeapTrimmerTests
{
    [Fact]
    public void TryTrim_OnLinuxWithGlibc_Runs()
    {
        Assert.True(NativeHeapTrimmer.TryTrim(out _));
    }
}
