"""One XML parse per request: the message object built from the webhook's parsed fields is the
one wechatpy's parse_message builds from the XML, for every kind of message WeChat sends."""
import pytest
from wechatpy import parse_message

from bot.wechat.messages import message_from_fields
from bot.wechat.xmlsafe import parse_flat_xml

HEAD = ("<ToUserName><![CDATA[gh_contestbot0001]]></ToUserName>"
        "<FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1592618400</CreateTime>")
BODIES = {
    "text": "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ 报名 ]]></Content>"
            "<MsgId>1234567890123456</MsgId>",
    "empty text": "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[]]></Content>"
                  "<MsgId>1</MsgId>",
    "image": "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://x/p.jpg]]></PicUrl>"
             "<MediaId><![CDATA[m1]]></MediaId><MsgId>2</MsgId>",
    "video": "<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[v1]]></MediaId>"
             "<ThumbMediaId><![CDATA[t1]]></ThumbMediaId><MsgId>3</MsgId>",
    "location": "<MsgType><![CDATA[location]]></MsgType><Location_X>22.5</Location_X>"
                "<Location_Y>113.1</Location_Y><Scale>15</Scale><Label><![CDATA[江门]]></Label>"
                "<MsgId>4</MsgId>",
    "odd type": "<MsgType><![CDATA[miniprogrampage]]></MsgType><Title>x</Title><MsgId>5</MsgId>",
    "subscribe": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
                 "<EventKey><![CDATA[]]></EventKey>",
    "subscribe by code": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]>"
                         "</Event><EventKey><![CDATA[qrscene_vote101]]></EventKey>"
                         "<Ticket><![CDATA[tk]]></Ticket>",
    "scan": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event>"
            "<EventKey><![CDATA[vote101]]></EventKey><Ticket><![CDATA[tk]]></Ticket>",
    "click": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
             "<EventKey><![CDATA[MENU_RULES]]></EventKey>",
    "scancode": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event>"
                "<EventKey><![CDATA[k]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]>"
                "</ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>",
    "pictures": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_weixin]]></Event>"
                "<EventKey><![CDATA[k]]></EventKey><SendPicsInfo><Count>2</Count><PicList>"
                "<item><PicMd5Sum><![CDATA[a]]></PicMd5Sum></item>"
                "<item><PicMd5Sum><![CDATA[b]]></PicMd5Sum></item></PicList></SendPicsInfo>",
    "unknown event": "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[new_thing]]></Event>",
}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_the_message_is_the_one_wechatpy_parses(kind):
    xml = f"<xml>{HEAD}{BODIES[kind]}</xml>"
    expected = parse_message(xml)
    built = message_from_fields(parse_flat_xml(xml))
    assert type(built) is type(expected)
    assert built._data == expected._data
    assert (built.source, built.type, getattr(built, "event", None)) == (
        expected.source, expected.type, getattr(expected, "event", None))


def test_a_message_type_that_is_not_text_is_unreadable_as_wechatpy_finds_it():
    fields = parse_flat_xml(f"<xml>{HEAD}<MsgType><a>text</a></MsgType><MsgId>9</MsgId></xml>")
    with pytest.raises(AttributeError):
        message_from_fields(fields)
