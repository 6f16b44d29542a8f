using System.Text;

namespace RedisStores.Tests.Infrastructure;

/// <summary>
/// The Redis Cluster hash slot of a key, computed as the cluster specification defines it (CRC16-XMODEM of the
/// hash tag, or of the whole key, modulo 16384). Unlike a multiplexer's HashSlot, it does not depend on whether
/// the connection has learnt the cluster's topology yet.
/// </summary>
public static class ClusterSlot
{
    public static int Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                bytes = bytes[(open + 1)..close];
            }
        }

        ushort crc = 0;
        foreach (var b in bytes)
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % 16384;
    }
}
