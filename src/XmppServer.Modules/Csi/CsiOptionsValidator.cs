using Microsoft.Extensions.Options;

namespace XmppServer.Modules.Csi;

/// <summary>Checks the [Range] of <see cref="CsiOptions"/> at start-up.</summary>
[OptionsValidator]
public sealed partial class CsiOptionsValidator : IValidateOptions<CsiOptions>;
