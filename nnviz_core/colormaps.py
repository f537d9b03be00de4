"""The weight maps as tables, so the engine colours weights without loading matplotlib:
matplotlib's coolwarm (the light theme) and berlin (the dark one), at the 256 points where
its Colormap bins them, as 8-bit colours (what reaches a pixel in either renderer). A test
checks every entry against matplotlib itself."""

MAPS = {
    "coolwarm": (
        "3b4cc0 3c4ec2 3d50c3 3e51c5 3f53c6 4055c8 4257c9 4358cb 445acc 455cce 465ecf 485fd1 4961d2 "
        "4a63d3 4b64d5 4c66d6 4e68d8 4f69d9 506bda 516ddb 536edd 5470de 5572df 5673e0 5875e1 5977e3 "
        "5a78e4 5b7ae5 5d7ce6 5e7de7 5f7fe8 6180e9 6282ea 6384eb 6485ec 6687ed 6788ee 688aef 6a8bef "
        "6b8df0 6c8ff1 6e90f2 6f92f3 7093f3 7295f4 7396f5 7597f6 7699f6 779af7 799cf8 7a9df8 7b9ff9 "
        "7da0f9 7ea1fa 80a3fa 81a4fb 82a6fb 84a7fc 85a8fc 86a9fc 88abfd 89acfd 8badfd 8caffe 8db0fe "
        "8fb1fe 90b2fe 92b4fe 93b5fe 94b6ff 96b7ff 97b8ff 98b9ff 9abbff 9bbcff 9dbdff 9ebeff 9fbfff "
        "a1c0ff a2c1ff a3c2fe a5c3fe a6c4fe a7c5fe a9c6fd aac7fd abc8fd adc9fd aec9fc afcafc b1cbfc "
        "b2ccfb b3cdfb b5cdfa b6cefa b7cff9 b9d0f9 bad0f8 bbd1f8 bcd2f7 bed2f6 bfd3f6 c0d4f5 c1d4f4 "
        "c3d5f4 c4d5f3 c5d6f2 c6d6f1 c7d7f0 c9d7f0 cad8ef cbd8ee ccd9ed cdd9ec cedaeb cfdaea d1dae9 "
        "d2dbe8 d3dbe7 d4dbe6 d5dbe5 d6dce4 d7dce3 d8dce2 d9dce1 dadce0 dbdcde dcdddd dddcdc dedcdb "
        "dfdbd9 e0dbd8 e1dad6 e2dad5 e3d9d3 e4d9d2 e5d8d1 e6d7cf e7d7ce e8d6cc e9d5cb ead5c9 ead4c8 "
        "ebd3c6 ecd3c5 edd2c3 edd1c2 eed0c0 efcfbf efcebd f0cdbb f1cdba f1ccb8 f2cbb7 f2cab5 f2c9b4 "
        "f3c8b2 f3c7b1 f4c6af f4c5ad f5c4ac f5c2aa f5c1a9 f5c0a7 f6bfa6 f6bea4 f6bda2 f7bca1 f7ba9f "
        "f7b99e f7b89c f7b79b f7b599 f7b497 f7b396 f7b194 f7b093 f7af91 f7ad90 f7ac8e f7aa8c f7a98b "
        "f7a889 f7a688 f6a586 f6a385 f6a283 f5a081 f59f80 f59d7e f59c7d f49a7b f4987a f39778 f39577 "
        "f39475 f29274 f29072 f18f71 f18d6f f08b6e f08a6c ef886b ee8669 ee8468 ed8366 ec8165 ec7f63 "
        "eb7d62 ea7b60 e97a5f e9785d e8765c e7745b e67259 e57058 e46e56 e36c55 e36b54 e26952 e16751 "
        "e0654f df634e de614d dd5f4b dc5d4a da5a49 d95847 d85646 d75445 d65244 d55042 d44e41 d24b40 "
        "d1493f d0473d cf453c cd423b cc403a cb3e38 ca3b37 c83836 c73635 c53334 c43032 c32e31 c12b30 "
        "c0282f be242e bd1f2d bb1b2c ba162b b8122a b70d28 b50927 b40426 "
    ).split(),
    "berlin": (
        "9eb0ff 9cb0fe 9ab0fd 98affc 95affb 93affa 91aef9 8eaef7 8caef6 8aaef5 87adf4 85adf3 82adf2 "
        "80acf1 7eacf0 7bacee 79abed 76abec 74aaeb 71aae9 6fa9e8 6ca9e6 6aa8e5 67a8e3 65a7e2 62a6e0 "
        "60a5df 5da5dd 5ba4db 58a3d9 56a2d7 54a0d5 519fd3 4f9ed1 4d9dcf 4b9bcd 489aca 4698c8 4497c6 "
        "4395c3 4194c1 3f92be 3e90bc 3c8eb9 3b8db7 398bb4 3889b2 3787af 3685ad 3584aa 3382a8 3280a6 "
        "327ea3 317ca1 307a9e 2f789c 2e7699 2d7597 2c7394 2c7192 2b6f8f 2a6d8d 296b8b 296988 286886 "
        "276683 276481 26627f 25607c 245e7a 245d78 235b75 225973 225771 21556e 20546c 20526a 1f5068 "
        "1e4e65 1e4d63 1d4b61 1c495f 1c475c 1b465a 1a4458 1a4256 194153 193f51 183d4f 173c4d 173a4b "
        "163849 163747 153544 153342 143240 14303e 132f3c 132d3a 122c38 122a36 122934 112732 112630 "
        "11242e 11232c 11212a 112028 101f26 101d25 101c23 111b21 111a20 11191e 11181c 11161b 111519 "
        "111418 111317 121215 121214 131112 141011 140f10 150e0e 160e0d 170d0b 180c0a 190c09 1a0c08 "
        "1b0b07 1c0b06 1d0b05 1e0b04 200b04 210b03 220c02 230c02 240c02 250c01 260d01 270d01 280d01 "
        "2a0e01 2b0e01 2c0e00 2d0e00 2f0e00 300f00 310f00 330f00 340f00 351000 371000 381000 391100 "
        "3b1100 3c1101 3e1201 3f1201 411201 421301 441301 451401 471401 481502 4a1502 4b1602 4d1602 "
        "4f1703 501803 521804 541905 561a05 571b06 591c07 5b1d08 5d1e09 5f1f0a 61200b 63210c 65230e "
        "68240f 6a2510 6c2711 6e2813 702a14 732b16 752d17 772f19 79301b 7b321c 7d341e 803620 823722 "
        "843924 863b26 883d28 8a3f2a 8c402c 8e422e 904430 924632 944834 964a36 984c39 9a4d3b 9c4f3d "
        "9e513f a05341 a25544 a45746 a65948 a85a4a aa5c4c ac5e4f ae6051 b06253 b26455 b46658 b6685a "
        "b86a5c ba6b5f bc6d61 be6f63 c07165 c27368 c4756a c6776c c8796f ca7b71 cc7d73 ce7f76 d08178 "
        "d2837a d5857d d7877f d98982 db8b84 dd8d86 df8f89 e1918b e3938e e59590 e79792 ea9995 ec9b97 "
        "ee9d9a f09f9c f2a19f f4a3a1 f6a5a3 f9a7a6 fba9a8 fdabab ffadad "
    ).split(),
}
